import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { DaemonClient } from './client.js';
import { CliError, cliError, usageError } from './errors/cli-error.js';
import { commandLineHints } from './errors/codes.js';
import { displayName, jobKey, listJobs, namesAll, type JobNames } from './jobs.js';
import { classifyTarget, configFile, directoryConfigs, fileLike, nameOf, onlyJobs } from './targets.js';

/** What narrows a config file given as a target: the session its jobs were loaded under, and --only. */
export interface SelectOptions {
  /** `-n/--name`: the session of a config file's jobs, as `pool start <file> -n <session>` loaded them. */
  name?: string;
  /** `--only a,b`: only these jobs of a config file. */
  only?: string[];
}

/** The jobs a job command acts on, and how they were named. */
export interface Selection {
  /** Full names (`session.name`), each once, in the order they were named. */
  jobs: string[];
  /** `all` (or no name): every loaded job. */
  all: boolean;
  /** One job named as such (not a pattern, a session, a file, nor several): its answer is printed alone. */
  single: boolean;
  /** Jobs that came from a set (`all`, a regex, a session, a file): one unloaded meanwhile is skipped, not an error. */
  fromSets: ReadonlySet<string>;
}

export interface SelectContext extends SelectOptions {
  /** What the command does ("stop", "restart"): `all` with no job loaded is POOL_NO_JOBS for it. Reads give none. */
  verb?: string;
  /** The command, for a usage error's hint. */
  command: string;
  /** Told of a config file's jobs that are not loaded (they are skipped). */
  warn?: (text: string) => void;
}

const jobName = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?$/;
/** A JavaScript regex literal: `/^api-/`, `/web|worker/i`; a `/` inside is escaped (`/a\/b/`) or in a class. */
const regexLiteral = /^\/((?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\[])+)\/([a-z]*)$/;
const looseRegex = /^\/(.+)\/([dgimsuvy]*)$/;

type Token =
  | { kind: 'regex'; text: string; regex: RegExp }
  | { kind: 'name'; text: string }
  | { kind: 'path'; text: string };

/** POOL_UNKNOWN_JOB with a hint of its own, for what the name given was taken for. */
function unknown(message: string, hint: string, context: Record<string, unknown>): CliError {
  return new CliError('POOL_UNKNOWN_JOB', message, hint, context, { keepHint: true });
}

const hint = `${commandLineHints.POOL_UNKNOWN_JOB!} A job command also takes a session ("staging": each of its jobs), a /regex/ or a config file.`;

/**
 * What the names given to stop, restart, reload, unload, signal, reset, info and pid mean, each in turn:
 *
 * - `all` (anywhere, or no name at all): every loaded job;
 * - a regex literal, `/^api-/` (flags: `/web/i`): the jobs whose name as `pool ps` shows it ("web",
 *   "staging.web") or whose full name ("default.web") it matches;
 * - a job name (`web` is `default.web`, `staging.web`): that job; an exact job name wins over a session of
 *   that name;
 * - a session's name (`staging`): each job of the session;
 * - a config file (`pool.config.yaml`, `ecosystem.config.js`, `Procfile`, a directory holding one): the jobs it
 *   defines, in the session `-n/--name` gives (`default` without it, as `pool start` loads them), `--only`
 *   narrowing them; those of its jobs that are not loaded are skipped, with a warning.
 *
 * Everything is resolved before anything is done: a name that matches nothing is an error (POOL_UNKNOWN_JOB,
 * or POOL_NO_JOBS for `all` with nothing loaded), and nothing is acted on.
 */
export async function selectJobs(client: DaemonClient, names: JobNames, context: SelectContext): Promise<Selection> {
  const given = typeof names === 'string' ? [names] : [...(names ?? [])];
  const tokens = namesAll(names) ? [] : given.map((text) => token(text, context.command));
  const narrowed = context.name !== undefined || context.only !== undefined;
  const noFile = () => usageError(`-n/--name and --only pick the jobs of a config file: give one (\`pool ${context.command} pool.config.yaml --only web\`)`, context.command);
  if (narrowed && tokens.length === 0) throw noFile();
  if (context.name !== undefined && !jobName.test(context.name)) throw usageError(`-n/--name takes a session name (letters, digits, _ and -), not "${context.name}"`, context.command);
  const loaded = await listJobs(client);
  if (namesAll(names)) {
    if (loaded.length === 0 && context.verb !== undefined) throw cliError('POOL_NO_JOBS', { action: context.verb });
    const jobs = loaded.map((job) => job.name);
    return { jobs, all: true, single: false, fromSets: new Set(jobs) };
  }

  const jobs: string[] = [];
  const fromSets = new Set<string>();
  const add = (found: string[], set: boolean) => {
    for (const job of found) {
      if (!jobs.includes(job)) jobs.push(job);
      if (set) fromSets.add(job);
    }
  };
  const loadedNames = loaded.map((job) => job.name);
  let anyFile = false;
  for (const item of tokens) {
    if (item.kind === 'regex') {
      const found = loadedNames.filter((job) => item.regex.test(displayName(job)) || item.regex.test(job));
      if (found.length === 0) throw noMatch(item.text, loadedNames);
      add(found, true);
      continue;
    }
    if (item.kind === 'name') {
      const key = jobKey(item.text);
      if (loadedNames.includes(key)) {
        add([key], false);
        continue;
      }
      const session = item.text.includes('.') ? [] : loaded.filter((job) => job.session === item.text).map((job) => job.name);
      if (session.length > 0) {
        add(session, true);
        continue;
      }
      if (!isConfigDirectory(item.text)) {
        throw unknown(`No job named ${tokens.length === 1 ? key : item.text}`, hint, { name: item.text });
      }
    }
    anyFile = true;
    add(await fileJobs(item.text, loadedNames, context), true);
  }
  if (narrowed && !anyFile) throw noFile();
  const single = tokens.length === 1 && jobs.length === 1 && !fromSets.has(jobs[0]!);
  return { jobs, all: false, single, fromSets };
}

/**
 * Runs `action` on each selected job in turn; a job of a set (`all`, a regex, a session, a file) unloaded
 * meanwhile is skipped.
 */
export async function eachSelected<Result>(selection: Selection, action: (job: string) => Promise<Result>): Promise<Result[]> {
  const results: Result[] = [];
  for (const job of selection.jobs) {
    try {
      results.push(await action(job));
    } catch (error) {
      if (selection.fromSets.has(job) && (error as { code?: string }).code === 'POOL_UNKNOWN_JOB') continue;
      throw error;
    }
  }
  return results;
}

/** What one name given means, before the daemon is asked: a regex, something that may be a job, or a file. */
function token(text: string, command: string): Token {
  // Strictly a regex literal; or, as long as no such file exists, anything between slashes (`/[/` is then an
  // invalid regex, said so, rather than a missing file).
  const literal = regexLiteral.exec(text) ?? (existsSync(text) ? null : looseRegex.exec(text));
  if (literal) {
    const [, body, flags] = literal as unknown as [string, string, string];
    try {
      // g and y would make test() remember where it stopped: they change nothing for a whole-name match.
      return { kind: 'regex', text, regex: new RegExp(body, flags.replace(/[gy]/g, '')) };
    } catch (error) {
      throw usageError(`${text} is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '')}`, command);
    }
  }
  if (jobName.test(text) && !fileLike.test(text) && !/^procfile/i.test(text)) return { kind: 'name', text };
  return { kind: 'path', text };
}

/** `pool stop api` where ./api holds a pool.config.* or a Procfile (and no job or session is named api). */
function isConfigDirectory(text: string): boolean {
  try {
    return statSync(resolve(text)).isDirectory() && directoryConfigs.some((name) => existsSync(resolve(text, name)));
  } catch {
    return false;
  }
}

/** The loaded jobs a config file defines, under the session -n/--name gives; those not loaded are said and skipped. */
async function fileJobs(text: string, loaded: string[], context: SelectContext): Promise<string[]> {
  const path = resolve(text);
  if (!existsSync(path)) {
    if (configFile.test(basename(path))) {
      const { poolError } = await import('@pool/core');
      throw poolError('POOL_CONFIG_NOT_FOUND', { file: path });
    }
    throw unknown(`No job named ${text}`, `${hint} ${text} is none of these (and no such file exists).`, { name: text });
  }
  const target = await classifyTarget(text, { allowJob: false });
  if (target.kind !== 'config') {
    throw unknown(
      `No job named ${text}: it is a script, not a config file`,
      `Name the script's job instead (by default the file's name, "${nameOf(text)}", unless -n named it): \`pool ps\` lists the jobs.`,
      { name: text },
    );
  }
  const { loadConfigFile } = await import('@pool/core');
  const all = await loadConfigFile(target.file, { onWarning: () => {} });
  const configs = context.only ? onlyJobs(all, context.only, text, context.command) : all;
  const session = context.name ?? 'default';
  const keys = configs.map((config) => `${session}.${config.name}`);
  const found = keys.filter((key) => loaded.includes(key));
  const missing = keys.filter((key) => !loaded.includes(key));
  const start = `pool start ${text}${context.name === undefined ? '' : ` -n ${context.name}`}`;
  if (found.length === 0) {
    const where = context.name === undefined ? '' : ` in the session ${session}`;
    throw unknown(
      `No job of ${text} is loaded${where} (it defines ${configs.map((config) => config.name).join(', ')})`,
      `Load them with \`${start}\`. A file's jobs are looked for in the session -n/--name gives (default: "default"), as \`pool start\` loaded them; \`pool ps\` lists what is loaded.`,
      { name: text },
    );
  }
  if (missing.length > 0) context.warn?.(`${missing.map(displayName).join(', ')} of ${text} ${missing.length === 1 ? 'is' : 'are'} not loaded: skipped (\`${start}\` loads ${missing.length === 1 ? 'it' : 'them'})`);
  return found;
}

function noMatch(text: string, loaded: string[]): CliError {
  const shown = loaded.length === 0 ? 'no job is loaded' : `the loaded jobs: ${loaded.map(displayName).join(', ')}`;
  return unknown(
    `No job matches ${text}`,
    `A regex is matched against each job's name as \`pool ps\` shows it ("web", "staging.web") and its full name ("default.web"); ${shown}.`,
    { name: text },
  );
}
