import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { poolError } from '../errors/index.js';
import { fromEcosystem, isEcosystem, type EcosystemOptions } from './loaders/ecosystem.js';
import { importConfig } from './loaders/module.js';
import { parseProcfile, type ProcfileOptions } from './loaders/procfile.js';
import { parseJson, parseYaml, type ParsedText } from './loaders/text.js';
import type { JobConfig } from './schema.js';
import { checkJobConfig, invalidConfig, validateConfigFile, validateEcosystemFile, type ConfigProblem } from './validate.js';

export type ConfigFormat = 'json' | 'yaml' | 'module' | 'procfile';

export interface LoadConfigOptions extends ProcfileOptions, EcosystemOptions {
  /** Overrides the format told by the file's name. */
  format?: ConfigFormat;
}

/**
 * Reads `pool.config.json`, `.yaml`/`.yml`, `.mjs`/`.js` (default export), a `Procfile`, or a PM2 ecosystem file
 * in any of those formats (`{ apps: [...] }`: loaders/ecosystem.ts), and returns its validated job configs, in file
 * order. A job without `cwd` runs in the file's directory; a relative `cwd`
 * is taken from there too. Errors name the file, the line (where the format has lines) and the key.
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<JobConfig[]> {
  const file = resolve(path);
  const format = options.format ?? formatOf(file);
  if (format === 'module') {
    readText(file); // a missing file is POOL_CONFIG_NOT_FOUND, not an import failure
    return fromFile(await importConfig(file), file, undefined, options);
  }
  const text = readText(file);
  if (format === 'procfile') {
    noProfile(options, file);
    return fromProcfile(text, file, options);
  }
  const parsed: ParsedText = format === 'json' ? parseJson(text, file) : parseYaml(text, file);
  return fromFile(parsed.value, file, parsed, options);
}

export interface LoadConfigTextOptions extends EcosystemOptions {
  /** JSON or YAML; by default JSON when the text starts with `{` or `[`, YAML otherwise. */
  format?: 'json' | 'yaml';
  /** Where a job without `cwd` runs, and relative `cwd`s start (default: the current directory). */
  directory?: string;
  /** How errors and warnings name the text (default `<stdin>`). */
  source?: string;
}

/**
 * Validated job configs from a config's text rather than a file (`pool start -` reads it from stdin): pool's
 * `{ jobs }` or a PM2 ecosystem `{ apps }`, in JSON or YAML, as loadConfigFile reads them.
 */
export async function loadConfigText(text: string, options: LoadConfigTextOptions = {}): Promise<JobConfig[]> {
  const source = options.source ?? '<stdin>';
  const format = options.format ?? (/^\s*[[{]/.test(text) ? 'json' : 'yaml');
  const parsed: ParsedText = format === 'json' ? parseJson(text, source) : parseYaml(text, source);
  return fromFile(parsed.value, source, parsed, options, resolve(options.directory ?? '.'));
}

/** `--env <profile>` picks an ecosystem file's env_<profile>: asked of another file, it is a mistake, said. */
function noProfile(options: EcosystemOptions, file: string): void {
  if (options.profile === undefined) return;
  throw invalidConfig([{ path: '', message: `has no env_${options.profile}: --env <profile> picks a PM2 ecosystem file's env_<profile>; this file is not one (use --env KEY=VALUE for a variable)`, file }], file);
}

export function formatOf(file: string): ConfigFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  if (['.mjs', '.js', '.cjs'].includes(extension)) return 'module';
  if (/^procfile(\..*)?$/i.test(basename(file))) return 'procfile';
  throw poolError('POOL_CONFIG_UNSUPPORTED', { file });
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw poolError('POOL_CONFIG_NOT_FOUND', { file }, error);
    throw poolError('POOL_CONFIG_PARSE_FAILED', { where: file, file, detail: (error as Error).message }, error);
  }
}

function fromFile(value: unknown, file: string, parsed: ParsedText | undefined, options: EcosystemOptions, directory = dirname(file)): JobConfig[] {
  const source = { file, ...(parsed ? { locate: parsed.locate } : {}) };
  if (isEcosystem(value)) {
    validateEcosystemFile(value, source);
    // What PM2 would accept and pool refuses (a name, a memory size) is said with the app's path.
    value = fromEcosystem(value as Parameters<typeof fromEcosystem>[0], file, directory, options, parsed?.locate);
    const config = validateConfigFile(value, { file, source: `${file} (a PM2 ecosystem file, read as pool jobs)` });
    return inDependencyOrder(Object.entries(config.jobs).map(([name, job]) => ({ ...job, name })), file);
  }
  noProfile(options, file);
  const config = validateConfigFile(value, source);
  const jobs = Object.entries(config.jobs).map(([name, job]) => ({
    ...job,
    name,
    cwd: resolve(directory, job.cwd ?? '.'),
  }));
  return inDependencyOrder(jobs, file);
}

/**
 * A file's jobs, each after the jobs of the file it depends on (otherwise in file order), so that loading them
 * one by one never meets a dependency not loaded yet. A cycle among them is refused, named. Names of other
 * sessions ("tools.cache") are the Manager's to check.
 */
export function inDependencyOrder(jobs: JobConfig[], file: string): JobConfig[] {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const ordered: JobConfig[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (job: JobConfig, path: string[]): void => {
    if (state.get(job.name) === 'done') return;
    if (state.get(job.name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(job.name)), job.name].join(' → ');
      throw invalidConfig([{ path: `${job.name}.dependsOn`, message: `closes a dependency cycle: ${cycle}` }], file);
    }
    state.set(job.name, 'visiting');
    for (const name of job.dependsOn ?? []) {
      const dependency = byName.get(name);
      if (dependency) visit(dependency, [...path, job.name]);
    }
    state.set(job.name, 'done');
    ordered.push(job);
  };
  for (const job of jobs) visit(job, []);
  return ordered;
}

function fromProcfile(text: string, file: string, options: ProcfileOptions): JobConfig[] {
  const directory = dirname(file);
  const jobs = parseProcfile(text, file, options);
  const problems: ConfigProblem[] = jobs.flatMap(({ config, line }) =>
    checkJobConfig(config).map((problem) => ({ ...problem, path: `${config.name}.${problem.path}`, file, line })),
  );
  if (problems.length > 0) throw invalidConfig(problems, file);
  return jobs.map(({ config }) => ({ ...config, cwd: directory }));
}
