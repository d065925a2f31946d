#!/usr/bin/env node
// Generates docs/errors.md from the error registry (build first). `--write` writes it; without, prints it.
import { writeFileSync } from 'node:fs';
import { errorCodes } from '@pool/core';

export function renderErrorsDoc(codes = errorCodes) {
  const rows = Object.entries(codes).map(
    ([code, { message, hint, status }]) => `| \`${code}\` | ${status} | ${escape(message)} | ${escape(hint)} |`,
  );
  return [
    '# Error codes',
    '',
    'Every failure pool reports to a user carries one of these stable codes. A code is never reused or renamed.',
    'The message names what went wrong (`{…}` is filled from the error\'s context); the hint says what to do.',
    'The status is what the HTTP API answers with. Recognise pool\'s errors with `isPoolError(error, code?)`.',
    '',
    'Generated from `packages/core/src/errors/codes.ts` by `pnpm --dir packages/core docs:errors`; a test keeps them in step.',
    '',
    '| code | status | message | hint |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function escape(text) {
  return text.replaceAll('|', '\\|');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const doc = renderErrorsDoc();
  if (process.argv.includes('--write')) writeFileSync(new URL('../../../docs/errors.md', import.meta.url), doc);
  else process.stdout.write(doc);
}
