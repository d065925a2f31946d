import { relative } from 'node:path';
import { loadYaml } from '../lazy.js';
import type { ConfigFile, JobConfig } from './schema.js';

/**
 * Job configs as the text of a `pool.config.yaml` kept in `directory`: each job under its name, its cwd relative
 * to the file (left out where it is the file's own directory, which is the default), `comments` on top.
 * Loading the text again gives the same jobs (`pool import`, and later `pool export`).
 */
export function configYaml(jobs: readonly JobConfig[], directory: string, comments: readonly string[] = []): string {
  const file: ConfigFile = { jobs: {} };
  for (const { name, cwd, ...job } of jobs) {
    const path = cwd === undefined ? '.' : relative(directory, cwd) || '.';
    file.jobs[name] = path === '.' ? job : { ...job, cwd: path };
  }
  const { stringify } = loadYaml();
  const header = comments.map((line) => `# ${line}\n`).join('');
  return `${header}${stringify(file, { lineWidth: 0 })}`;
}
