#!/usr/bin/env node
// Writes schema/pool.config.schema.json (for editors: `"$schema": "./node_modules/@pool/core/schema/pool.config.schema.json"`)
// and schema/ecosystem.schema.json (a PM2 ecosystem file as pool reads it) from the schemas the code validates
// with (build first). `--write` writes them; without, prints the first.
import { writeFileSync } from 'node:fs';
import { configFileSchema, ecosystemFileSchema } from '@pool/core';

export function renderConfigSchema() {
  return `${JSON.stringify(configFileSchema, null, 2)}\n`;
}

export function renderEcosystemSchema() {
  return `${JSON.stringify(ecosystemFileSchema, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const text = renderConfigSchema();
  if (process.argv.includes('--write')) {
    writeFileSync(new URL('../schema/pool.config.schema.json', import.meta.url), text);
    writeFileSync(new URL('../schema/ecosystem.schema.json', import.meta.url), renderEcosystemSchema());
  } else process.stdout.write(text);
}
