// Defined (true) by scripts/bundle.mjs, which bundles tsc's output into dist/bundle/: code that finds a file by
// its own URL (import.meta.url) looks from dist/bundle/ there, from its own directory under dist/ otherwise.
declare const __POOL_BUNDLE__: boolean | undefined;

export const bundled = typeof __POOL_BUNDLE__ !== 'undefined' && __POOL_BUNDLE__;
