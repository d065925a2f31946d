import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkJobConfig,
  configFileSchema,
  errorCodes,
  isPoolError,
  jobConfigSchema,
  loadConfigFile,
  validateJobConfig,
  type ConfigProblem,
  type PoolError,
} from '@pool/core';
import { tempDir } from '@pool/testing';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught, fixture, rejected } from './helpers.js';

const problemsOf = (error: PoolError) => error.context.problems as ConfigProblem[];
const paths = (error: PoolError) => problemsOf(error).map((problem) => problem.path).sort();

describe('the job config schema', () => {
  it('is a JSON Schema another validator compiles, accepting what validateJobConfig accepts', () => {
    const ajv = new Ajv({ allowUnionTypes: true });
    const validate = ajv.compile(jobConfigSchema);
    const good = { name: 'web', cmd: ['node', 'server.js'], numprocesses: 2, gracefulTimeout: '5s', flapping: { attempts: 3, window: '10s' } };
    expect(validate(good)).toBe(true);
    expect(validate({ name: 'web', cmd: 'node server.js' })).toBe(false);
    expect(ajv.compile(configFileSchema)({ jobs: { web: { cmd: ['node'] } } })).toBe(true);
    expect(validateJobConfig(good)).toBe(good);
  });

  it('lists every bad value at once, each with its path, and a hint', () => {
    const error = caught(() =>
      validateJobConfig({
        name: 'bad name',
        cmd: ['node', 3],
        numprocesses: -1,
        gracefulTimeout: '5 parsecs',
        restart: 'sometimes',
        stopSignal: 'SIGFOO',
        redirectOutput: ['stdout', 'stdout'],
        flapping: { attempts: 0 },
        sockets: { web: { host: '127.0.0.1' }, unix: { path: '/tmp/x.sock', port: 80 } },
        colour: 'blue',
      }),
    );
    expect(error.code).toBe('POOL_INVALID_CONFIG');
    expect(error.status).toBe(400);
    expect(error.hint).toMatch(/path/);
    expect(paths(error)).toEqual([
      'cmd[1]',
      'colour',
      'flapping.attempts',
      'gracefulTimeout',
      'name',
      'numprocesses',
      'redirectOutput',
      'restart',
      'sockets.unix.port',
      'sockets.web',
      'stopSignal',
    ]);
    expect(error.message).toMatch(/colour is not a known key \(known: name, cmd, shell/);
    expect(error.message).toMatch(/gracefulTimeout must be a duration/);
    expect(error.message).toMatch(/name may hold only letters, digits/);
    expect(error.message).toMatch(/restart must be one of "always", "on-failure", "never"/);
    expect(error.message).toMatch(/sockets.web needs a port/);
  });

  it('takes a command line only with shell: true, and needs exactly one of cmd and worker', () => {
    expect(checkJobConfig({ name: 'web', cmd: 'echo $HOME', shell: true })).toEqual([]);
    const noShell = caught(() => validateJobConfig({ name: 'web', cmd: 'echo $HOME' }));
    expect(problemsOf(noShell)).toEqual([{ path: 'cmd', message: expect.stringMatching(/needs shell: true.*argv array/) }]);
    expect(checkJobConfig({ name: 'web' })).toEqual([{ path: '', message: 'needs cmd (a command) or worker (a Node module)' }]);
    expect(checkJobConfig({ name: 'web', cmd: ['a'], worker: 'w.mjs' })).toEqual([{ path: '', message: 'has both cmd and worker: give one of them' }]);
    expect(paths(caught(() => validateJobConfig({ name: 'web', cmd: [] })))).toEqual(['cmd']);
    expect(paths(caught(() => validateJobConfig({ cmd: ['a'] })))).toEqual(['name']);
    expect(paths(caught(() => validateJobConfig({ name: 'w', worker: { module: 'w.mjs', heartbeat: 1 } })))).toEqual(['worker.heartbeat']);
  });

  it('rejects any unknown key, naming it (property)', () => {
    const known = new Set(Object.keys(jobConfigSchema.properties));
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !known.has(key) && /^[a-z]\w*$/i.test(key)),
        fc.jsonValue(),
        (key, value) => {
          const problems = checkJobConfig({ name: 'web', cmd: ['sleep', '1'], [key]: value });
          expect(problems).toEqual([{ path: key, message: expect.stringMatching(/is not a known key/) }]);
        },
      ),
    );
  });

  it('accepts every well-formed config (property)', () => {
    const duration = fc.oneof(fc.nat(100_000), fc.constantFrom('500ms', '15s', '2m', '1h', '1.5s'));
    const config = fc.record(
      {
        name: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
        cmd: fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
        numprocesses: fc.integer({ min: 0, max: 1024 }),
        gracefulTimeout: duration,
        minUptime: duration,
        restart: fc.constantFrom('always', 'on-failure', 'never'),
        stopSignal: fc.constantFrom('SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGUSR2'),
        priority: fc.integer({ min: -10, max: 10 }),
        redirectOutput: fc.subarray(['stdout', 'stderr'] as const),
        env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), fc.oneof(fc.string(), fc.integer(), fc.boolean())),
        flapping: fc.oneof(fc.boolean(), fc.record({ attempts: fc.integer({ min: 1, max: 9 }), retryIn: duration }, { requiredKeys: [] })),
      },
      { requiredKeys: ['name', 'cmd'] },
    );
    fc.assert(
      fc.property(config, (value) => {
        expect(checkJobConfig(value)).toEqual([]);
      }),
    );
  });

  it('registers its error codes with a message, a hint and an HTTP status', () => {
    const expected = {
      POOL_INVALID_CONFIG: 400,
      POOL_CONFIG_NOT_FOUND: 404,
      POOL_CONFIG_PARSE_FAILED: 400,
      POOL_CONFIG_UNSUPPORTED: 400,
      POOL_UNKNOWN_JOB: 404,
      POOL_JOB_EXISTS: 409,
      POOL_UNKNOWN_PROCESS: 404,
      POOL_INVALID_SCALE: 400,
      POOL_NO_STDIN: 409,
    };
    for (const [code, status] of Object.entries(expected)) {
      const definition = errorCodes[code as keyof typeof errorCodes];
      expect(definition.status, code).toBe(status);
      expect(definition.message.length, code).toBeGreaterThan(10);
      expect(definition.hint.length, code).toBeGreaterThan(10);
    }
  });
});

describe('YAML aliases', () => {
  it('reports an unknown alias and an alias bomb as POOL_CONFIG_PARSE_FAILED', async () => {
    const dir = tempDir();
    try {
      const cases = {
        'unknown.yaml': '*a\n',
        'bomb.yaml': ['a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]', 'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e]', ''].join('\n'),
      };
      for (const [name, text] of Object.entries(cases)) {
        const file = join(dir.path, name);
        writeFileSync(file, text);
        const error = await rejected(loadConfigFile(file));
        expect(error.code, name).toBe('POOL_CONFIG_PARSE_FAILED');
        expect(error.message).toContain(file);
      }
    } finally {
      dir.remove();
    }
  });
});

describe('durations', () => {
  it('refuses one longer than a Node timer can wait (it would fire after 1 ms), as a number or a string', async () => {
    const { Manager } = await import('@pool/core');
    const manager = new Manager({ logger: false, stdout: 'ignore', stderr: 'ignore' });
    const tooLongString = await rejected(manager.load({ name: 'x', cmd: ['true'], gracefulTimeout: '600h' }));
    expect(tooLongString.code).toBe('POOL_INVALID_DURATION');
    expect(tooLongString.status).toBe(400);
    const tooLongNumber = await rejected(manager.load({ name: 'y', cmd: ['true'], warmupDelay: 2 ** 31 }));
    expect(tooLongNumber.code).toBe('POOL_INVALID_CONFIG');
    expect(tooLongNumber.message).toContain('warmupDelay');
    expect(manager.jobs()).toEqual([]);
    await manager.stop();
  });
});

describe('names (docs/names.md)', () => {
  it('reads the old name warmupDelay as readyDelay, with a warning, and refuses both at once', async () => {
    const { Manager } = await import('@pool/core');
    const warnings: string[] = [];
    const logger = { warn: (_details: object, message: string) => warnings.push(message), info() {}, error() {}, child: () => logger } as never;
    const manager = new Manager({ logger, stdout: 'ignore', stderr: 'ignore' });
    await manager.load({ name: 'old', cmd: ['sleep', '1000'], warmupDelay: '5s' }, { start: false });
    expect(warnings.join('\n')).toMatch(/warmupDelay is the old name of readyDelay/);
    await manager.load({ name: 'new', cmd: ['sleep', '1000'], readyDelay: '5s' }, { start: false });
    const both = await rejected(manager.load({ name: 'both', cmd: ['true'], readyDelay: 1, warmupDelay: 1 }));
    expect(both.code).toBe('POOL_INVALID_CONFIG');
    expect(both.message).toContain('give only readyDelay');
    await manager.stop();
  });

  it('takes the Supervisor\'s counts and heartbeat timeout under pool\'s names and aioworkerpool\'s, not both', async () => {
    const { Supervisor } = await import('@pool/core');
    const worker = fixture('echo-worker.mjs');
    expect(new Supervisor({ worker, numprocesses: 3, heartbeatTimeout: '5s', logger: false }).config).toMatchObject({ workers: 3, workerTimeout: 5_000 });
    expect(new Supervisor({ worker, workers: 2, workerTimeout: 100, logger: false }).config).toMatchObject({ workers: 2, workerTimeout: 100 });
    expect(() => new Supervisor({ worker, workers: 2, numprocesses: 2 })).toThrowError(/workers: is another name of numprocesses/);
  });
});

describe('loadConfigFile', () => {
  let directory: { path: string; remove: () => void };
  const write = (name: string, text: string) => {
    const path = join(directory.path, name);
    writeFileSync(path, text);
    return path;
  };
  beforeEach(() => {
    directory = tempDir('pool-config-');
  });
  afterEach(() => directory.remove());

  it('reads pool.config.json: jobs by name, cwd from the file\'s directory', async () => {
    const file = write('pool.config.json', JSON.stringify({ jobs: { web: { cmd: ['node', 'server.js'], numprocesses: 2 }, tmp: { cmd: ['sleep', '1'], cwd: 'sub' } } }));
    expect(await loadConfigFile(file)).toEqual([
      { name: 'web', cmd: ['node', 'server.js'], numprocesses: 2, cwd: directory.path },
      { name: 'tmp', cmd: ['sleep', '1'], cwd: join(directory.path, 'sub') },
    ]);
  });

  it('names the file, the line and the key of each bad value in JSON', async () => {
    const file = write(
      'pool.config.json',
      ['{', '  "jobs": {', '    "web": {', '      "cmd": ["node"],', '      "numprocesses": "two",', '      "colour": "blue"', '    }', '  }', '}'].join('\n'),
    );
    const error = await rejected(loadConfigFile(file));
    expect(error.code).toBe('POOL_INVALID_CONFIG');
    expect(problemsOf(error)).toEqual([
      { path: 'jobs.web.colour', message: expect.stringMatching(/not a known key/), file, line: 6, column: 17 },
      { path: 'jobs.web.numprocesses', message: 'must be an integer', file, line: 5, column: 23 },
    ]);
    expect(error.message).toContain(file);
    expect(error.message).toContain('jobs.web.numprocesses (line 5) must be an integer');
  });

  it('reports a JSON syntax error as file:line:column', async () => {
    const file = write('pool.config.json', '{\n  "jobs": {\n    "web": { "cmd": ["node"], }\n  }\n}');
    const error = await rejected(loadConfigFile(file));
    expect(error.code).toBe('POOL_CONFIG_PARSE_FAILED');
    expect(error.context).toMatchObject({ file, line: 3 });
    expect(error.message).toMatch(new RegExp(`Could not read ${file}:3:\\d+: `));
  });

  it('reads YAML (.yaml and .yml) and locates bad values by line', async () => {
    const good = write('pool.config.yml', 'jobs:\n  web:\n    cmd: [node, server.js]\n    gracefulTimeout: 5s\n    env:\n      PORT: 8080\n');
    expect(await loadConfigFile(good)).toEqual([{ name: 'web', cmd: ['node', 'server.js'], gracefulTimeout: '5s', env: { PORT: 8080 }, cwd: directory.path }]);
    const bad = write('pool.config.yaml', 'jobs:\n  web:\n    cmd: [node]\n    restart: sometimes\n  worker:\n    worker: {}\n');
    const error = await rejected(loadConfigFile(bad));
    expect(problemsOf(error).map(({ path, line }) => ({ path, line }))).toEqual([
      { path: 'jobs.web.restart', line: 4 },
      { path: 'jobs.worker.worker.module', line: 6 },
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', async () => {
    const duplicate = await rejected(loadConfigFile(write('a.yaml', 'jobs:\n  web:\n    cmd: [a]\n  web:\n    cmd: [b]\n')));
    expect(duplicate.code).toBe('POOL_CONFIG_PARSE_FAILED');
    expect(duplicate.context).toMatchObject({ line: 4 });
    expect(duplicate.message).toMatch(/a\.yaml:4:\d+: Map keys must be unique/);
    const broken = await rejected(loadConfigFile(write('b.yaml', 'jobs:\n  web:\n    cmd: [node\n')));
    expect(broken.code).toBe('POOL_CONFIG_PARSE_FAILED');
    expect(broken.context.line).toBeGreaterThanOrEqual(3);
  });

  it('checks that a job\'s name matches its key', async () => {
    const error = await rejected(loadConfigFile(write('c.json', '{"jobs": {"web": {"name": "api", "cmd": ["x"]}}}')));
    expect(problemsOf(error)).toEqual([{ path: 'jobs.web.name', message: expect.stringMatching(/must be "web"/), file: join(directory.path, 'c.json'), line: 1, column: 27 }]);
  });

  it('imports .mjs and .js configs: the default export, or a function returning it', async () => {
    const object = write('pool.config.mjs', 'export default { jobs: { web: { cmd: ["node", "a.js"] } } };\n');
    expect(await loadConfigFile(object)).toEqual([{ name: 'web', cmd: ['node', 'a.js'], cwd: directory.path }]);
    const factory = write('pool.config.js', 'export default async () => ({ jobs: { api: { cmd: ["node"], numprocesses: 3 } } });\n');
    write('package.json', '{"type": "module"}');
    expect(await loadConfigFile(factory)).toEqual([{ name: 'api', cmd: ['node'], numprocesses: 3, cwd: directory.path }]);
    const invalid = await rejected(loadConfigFile(write('bad.mjs', 'export default { jobs: { web: { cmd: "x" } } };\n')));
    expect(invalid.code).toBe('POOL_INVALID_CONFIG');
    expect(problemsOf(invalid)).toEqual([{ path: 'jobs.web.cmd', message: expect.stringMatching(/shell: true/), file: join(directory.path, 'bad.mjs') }]);
    expect((await rejected(loadConfigFile(write('none.mjs', 'export const jobs = {};\n')))).message).toMatch(/no default export/);
    expect((await rejected(loadConfigFile(write('syntax.mjs', 'export default {\n')))).code).toBe('POOL_CONFIG_PARSE_FAILED');
  });

  it('reads an edited module config again', async () => {
    const file = write('pool.config.mjs', 'export default { jobs: { one: { cmd: ["a"] } } };\n');
    expect((await loadConfigFile(file)).map((job) => job.name)).toEqual(['one']);
    writeFileSync(file, 'export default { jobs: { two: { cmd: ["b"] } } };\n');
    const { utimesSync } = await import('node:fs');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect((await loadConfigFile(file)).map((job) => job.name)).toEqual(['two']);
  });

  it('reads a Procfile as foreman does: shell commands, comments, $VAR values passed as data, PORT by job', async () => {
    const file = write(
      'Procfile',
      ['# the web tier', 'web: node server.js --port $PORT --name ${APP_NAME}', '', 'worker:   python3 worker.py $UNKNOWN_VAR', '  # indented comment', 'clock: sh -c "echo $APP_NAME"'].join('\n'),
    );
    const jobs = await loadConfigFile(file, { env: { APP_NAME: 'shop', PORT: '7000' } });
    expect(jobs).toEqual([
      { name: 'web', cmd: 'node server.js --port $PORT --name ${APP_NAME}', shell: true, port: 7000, cwd: directory.path, env: { APP_NAME: 'shop' } },
      { name: 'worker', cmd: 'python3 worker.py $UNKNOWN_VAR', shell: true, port: 7100, cwd: directory.path },
      { name: 'clock', cmd: 'sh -c "echo $APP_NAME"', shell: true, port: 7200, cwd: directory.path, env: { APP_NAME: 'shop' } },
    ]);
    expect((await loadConfigFile(file, { env: {} }))[0]).toMatchObject({ port: 5000, cmd: 'node server.js --port $PORT --name ${APP_NAME}' });
    expect((await loadConfigFile(write('Procfile.dev', 'web: a\n'), { port: 9000 }))[0]).toMatchObject({ port: 9000 });
  });

  it('names the Procfile line of a bad entry', async () => {
    const syntax = await rejected(loadConfigFile(write('Procfile', 'web: node a.js\nthis is not an entry\n')));
    expect(syntax.code).toBe('POOL_CONFIG_PARSE_FAILED');
    expect(syntax.message).toContain(`${join(directory.path, 'Procfile')}:2:1`);
    const twice = await rejected(loadConfigFile(write('Procfile', 'web: a\n\nweb: b\napi:\n')));
    expect(twice.code).toBe('POOL_INVALID_CONFIG');
    expect(problemsOf(twice).map(({ path, line, message }) => ({ path, line, message }))).toEqual([
      { path: 'web', line: 3, message: 'is defined twice (first on line 1)' },
      { path: 'api', line: 4, message: 'has no command' },
    ]);
  });

  it('says when a file is missing or of an unknown kind', async () => {
    const missing = await rejected(loadConfigFile(join(directory.path, 'pool.config.json')));
    expect(missing.code).toBe('POOL_CONFIG_NOT_FOUND');
    expect(missing.status).toBe(404);
    expect((await rejected(loadConfigFile(join(directory.path, 'missing.mjs')))).code).toBe('POOL_CONFIG_NOT_FOUND');
    const unknown = await rejected(loadConfigFile(write('pool.config.toml', '')));
    expect(unknown.code).toBe('POOL_CONFIG_UNSUPPORTED');
    expect(unknown.hint).toMatch(/Procfile/);
  });
});
