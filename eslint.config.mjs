// Lint: the TypeScript of every package, example and test, type-aware, for the mistakes types alone miss — a
// promise nobody awaits or handles (a lost error, an order that races the next), or one passed where a
// callback's result is ignored. Style is left to review.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.mjs', '**/*.js', '**/*.cjs', 'packages/native/**'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: {
        // The vitest configs belong to no tsconfig: they get a default project.
        projectService: { allowDefaultProject: ['vitest.shared.ts', 'packages/*/vitest.config.ts', 'examples/*/vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
