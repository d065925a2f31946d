#!/usr/bin/env node
// Writes schema/pool.config.schema.json (for editors: `"$schema": "./node_modules/@pool/core/schema/pool.config.schema.json"`)
// from the schema the code validates with (build first). `--write` writes it; without, prints it.
import { writeFileSync } from 'node:fs';
import { configFileSchema } from '@pool/core';

export function renderConfigSchema() {
  return `${JSON.stringify(configFileSchema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const text = renderConfigSchema();
  if (process.argv.includes('--write')) writeFileSync(new URL('../schema/pool.config.schema.json', import.meta.url), text);
  else process.stdout.write(text);
}
