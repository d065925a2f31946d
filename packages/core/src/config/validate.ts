import type { ErrorObject, ValidateFunction } from 'ajv';
import { loadValidators } from '../lazy.js';
import { poolError, type PoolError } from '../errors/index.js';
import { durationPattern, namePattern, type ConfigFile, type JobConfig } from './schema.js';

/** One bad value: where it is (a dotted path such as `jobs.web.cmd[0]`, and in a file its line) and what is wrong. */
export interface ConfigProblem {
  path: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** Finds the line and column of a path's value in the source text, when there is one. */
export type Locate = (segments: readonly string[]) => { line: number; column: number } | undefined;

export interface ValidationSource {
  /** What is validated, for the message: a file path, or `job web`. */
  source?: string;
  file?: string;
  locate?: Locate;
}

let compiled: { job: ValidateFunction; file: ValidateFunction; ecosystem: ValidateFunction } | undefined;

// Compiled at build time (scripts/validators.mjs), loaded on first use: importing @pool/core costs nothing for
// programs that never validate a config, and validating one needs no ajv compiler.
function validators(): { job: ValidateFunction; file: ValidateFunction; ecosystem: ValidateFunction } {
  compiled ??= loadValidators();
  return compiled;
}

/** Validates one job config; throws POOL_INVALID_CONFIG listing every bad value with its path. */
export function validateJobConfig(value: unknown, options: ValidationSource = {}): JobConfig {
  const problems = checkJobConfig(value, options);
  if (problems.length > 0) throw invalidConfig(problems, options.source ?? describeJob(value));
  return value as JobConfig;
}

/** The problems of a job config, without throwing (an empty array when it is valid). */
export function checkJobConfig(value: unknown, options: ValidationSource = {}): ConfigProblem[] {
  const validate = validators().job;
  return validate(value) ? [] : toProblems(validate.errors ?? [], options);
}

/** Validates the content of a config file (`{ jobs: { <name>: {…} } }`). */
export function validateConfigFile(value: unknown, options: ValidationSource = {}): ConfigFile {
  const validate = validators().file;
  const problems = validate(value) ? [] : toProblems(validate.errors ?? [], options);
  if (problems.length === 0) {
    for (const [name, job] of Object.entries((value as ConfigFile).jobs)) {
      if (job.name !== undefined && job.name !== name) {
        problems.push(locate({ path: `jobs.${name}.name`, message: `must be "${name}" (the job's key) or be left out` }, ['jobs', name, 'name'], options));
      }
    }
  }
  if (problems.length > 0) throw invalidConfig(problems, options.source ?? options.file ?? 'the config');
  return value as ConfigFile;
}

/** Checks a PM2 ecosystem file's types (its unknown keys are the mapping's to warn about); throws POOL_INVALID_CONFIG. */
export function validateEcosystemFile(value: unknown, options: ValidationSource = {}): void {
  const validate = validators().ecosystem;
  const problems = validate(value) ? [] : toProblems(validate.errors ?? [], options);
  if (problems.length > 0) throw invalidConfig(problems, options.source ?? options.file ?? 'the ecosystem file');
}

export function invalidConfig(problems: ConfigProblem[], source: string): PoolError {
  const detail = problems
    .map((problem) => `${problem.path || '(top level)'}${problem.line === undefined ? '' : ` (line ${problem.line})`} ${problem.message}`)
    .join('; ');
  const file = problems.find((problem) => problem.file)?.file;
  return poolError('POOL_INVALID_CONFIG', { source, detail, problems, ...(file ? { file } : {}) });
}

function describeJob(value: unknown): string {
  const name = (value as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? `job ${name}` : 'the job config';
}

function toProblems(errors: ErrorObject[], options: ValidationSource): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    const described = describe(error);
    if (!described) continue;
    const segments = [...pointerSegments(error.instancePath), ...described.extra];
    const problem = { path: dotted(segments), message: described.message };
    const key = `${problem.path}\n${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(locate(problem, segments, options));
  }
  return problems;
}

function locate(problem: ConfigProblem, segments: readonly string[], options: ValidationSource): ConfigProblem {
  const position = options.locate?.(segments);
  return {
    ...problem,
    ...(options.file ? { file: options.file } : {}),
    ...(position ? { line: position.line, column: position.column } : {}),
  };
}

const patternMessages: Record<string, string> = {
  [durationPattern]: 'must be a duration: milliseconds, or a string such as "500ms", "15s", "2m"',
  [namePattern]: 'may hold only letters, digits, "_" and "-"',
  // An ecosystem's instances (loaders/ecosystem.ts).
  '^(max|-?\\d+)$': 'must be a number, "max" (one per CPU) or -N (all CPUs but N)',
};

/** An ajv error in words; undefined for the errors that only repeat another one. */
function describe(error: ErrorObject): { message: string; extra: string[] } | undefined {
  const params = error.params as Record<string, unknown>;
  const plain = (message: string, extra: string[] = []) => ({ message, extra });
  switch (error.keyword) {
    case 'if':
      return undefined;
    case 'required':
      if (error.schemaPath.includes('/oneOf/') || error.schemaPath.includes('/anyOf/')) return undefined;
      if (error.schemaPath.endsWith('/else/required')) return plain('needs a port (or a path)');
      return plain('is required', [String(params.missingProperty)]);
    case 'anyOf':
      return plain('needs script (the app to run)');
    case 'oneOf':
      return plain(
        params.passingSchemas === null
          ? 'needs cmd (a command) or worker (a Node module)'
          : 'has both cmd and worker: give one of them',
      );
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      return plain(`is not a known key${known.length > 0 ? ` (known: ${known.join(', ')})` : ''}`, [String(params.additionalProperty)]);
    }
    case 'propertyNames':
      return undefined;
    case 'type':
      if (error.schemaPath.endsWith('/then/properties/cmd/type')) {
        return plain('is a string: a command line needs shell: true; otherwise give an argv array such as ["node", "server.js"]');
      }
      return plain(`must be ${[params.type].flat().map((type) => article(String(type))).join(' or ')}`);
    case 'pattern': {
      const message = patternMessages[String(params.pattern)] ?? `must match ${String(params.pattern)}`;
      return error.propertyName === undefined ? plain(message) : plain(`is not a valid name: it ${message}`, [error.propertyName]);
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((value) => JSON.stringify(value));
      const listed = allowed.length > 8 ? `${allowed.slice(0, 6).join(', ')}, …` : allowed.join(', ');
      return plain(`must be one of ${listed}`);
    }
    case 'false schema':
      return plain('is not allowed here (a socket has either a path, or a host and port)');
    case 'minItems':
    case 'minLength':
      return plain(params.limit === 1 ? 'must not be empty' : error.message ?? 'is too short');
    case 'uniqueItems':
      return plain('must not list the same item twice');
    default:
      return plain(error.message ?? `fails ${error.keyword}`);
  }
}

function article(type: string): string {
  if (type === 'integer' || type === 'array' || type === 'object') return `an ${type}`;
  return `a ${type}`;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function dotted(segments: readonly string[]): string {
  let path = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) path += path ? `.${segment}` : segment;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}
