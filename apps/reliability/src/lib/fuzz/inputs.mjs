// Bad (and good) input for pool's front doors, as fast-check arbitraries. Most are "nearly valid": a real
// shape with one or more values wrong, which is where validation goes wrong; some are anything at all.
import { constants } from 'node:os';
import fc from 'fast-check';

export const signalNames = Object.keys(constants.signals);
/** The most a Node timer can wait; a longer duration silently becomes 1 ms. */
export const longestTimer = 2 ** 31 - 1;

const text = fc.string({ maxLength: 16 });
const junk = fc.anything({ maxDepth: 2, maxKeys: 3 });
/** Mostly `sensible`, now and then anything at all. */
const mostly = (sensible) => fc.oneof({ weight: 5, arbitrary: sensible }, { weight: 1, arbitrary: junk });

export const durations = fc.oneof(
  fc.nat({ max: 100_000 }),
  fc.integer({ min: -1_000, max: 2 ** 33 }),
  fc.double(),
  fc.constantFrom('500ms', '15s', '2m', '1h', ' 5 s ', '1.5s', '0', '24h', '600h', '1000h', '1e3', '', '-1s', 'NaN', 'Infinity', '10 s', '9'.repeat(20), '1d'),
  fc.stringMatching(/^\s?\d{1,11}(\.\d{1,3})?\s?(ms|s|m|h)?\s?$/),
  text,
);

const jobName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), text, junk);

/** A job config: a valid base (`{ name, cmd: ['true'] }`) with a random set of keys given random values. */
export function jobConfigs({ directory, workerModule }) {
  const fields = {
    cmd: fc.oneof(fc.constant(['true']), fc.array(text, { maxLength: 3 }), text, junk),
    shell: mostly(fc.boolean()),
    worker: fc.oneof(
      fc.constant(workerModule),
      text,
      fc.record(
        { module: fc.oneof(fc.constant(workerModule), text), args: fc.array(text, { maxLength: 2 }), execArgv: fc.array(text, { maxLength: 2 }), startTimeout: durations, heartbeatTimeout: durations },
        { requiredKeys: [] },
      ),
      junk,
    ),
    cwd: fc.oneof(fc.constantFrom(directory, '/', '/nonexistent', '.', ''), text),
    env: fc.oneof(fc.dictionary(text, fc.oneof(text, fc.integer(), fc.boolean(), fc.double(), junk), { maxKeys: 3 }), junk),
    cleanEnv: mostly(fc.boolean()),
    uid: mostly(fc.oneof(fc.nat(), fc.integer(), fc.double())),
    gid: mostly(fc.oneof(fc.nat(), fc.integer(), fc.double())),
    numprocesses: fc.oneof(fc.integer({ min: -3, max: 1_100 }), fc.double(), text),
    gracefulTimeout: durations,
    stopSignal: fc.oneof(fc.constantFrom(...signalNames), text, fc.integer({ min: 0, max: 40 })),
    restart: fc.oneof(fc.constantFrom('always', 'on-failure', 'never'), text),
    flapping: fc.oneof(
      fc.boolean(),
      fc.record(
        { attempts: fc.oneof(fc.integer({ min: -1, max: 100 }), junk), window: durations, retryIn: durations, maxRetry: fc.oneof(fc.integer({ min: -1, max: 10 }), junk) },
        { requiredKeys: [] },
      ),
      junk,
    ),
    warmupDelay: durations,
    minUptime: durations,
    priority: mostly(fc.oneof(fc.integer(), fc.double())),
    redirectOutput: fc.oneof(fc.subarray(['stdout', 'stderr']), fc.array(text, { maxLength: 3 }), junk),
    redirectInput: mostly(fc.boolean()),
    sockets: fc.oneof(
      fc.dictionary(
        fc.oneof(fc.stringMatching(/^[a-z]{1,5}$/), text),
        fc.oneof(fc.record({ host: fc.oneof(fc.constant('127.0.0.1'), text), port: fc.oneof(fc.integer({ min: -1, max: 70_000 }), junk), path: text }, { requiredKeys: [] }), junk),
        { maxKeys: 2 },
      ),
      junk,
    ),
    port: mostly(fc.integer({ min: -1, max: 70_000 })),
  };
  // A few keys at a time (most values sensible), so that valid configs are common and each bad value is alone.
  const someFields = fc.subarray(Object.keys(fields), { maxLength: 4 }).chain((keys) => fc.record(Object.fromEntries(keys.map((key) => [key, fields[key]]))));
  const nearlyValid = fc
    .tuple(fc.oneof({ weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/) }, { weight: 1, arbitrary: jobName }), someFields, fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.tuple(text, junk) }), fc.nat(9))
    .map(([name, rest, unknown, keepBoth]) => {
      const config = { name, cmd: ['true'], ...rest };
      if (rest.worker !== undefined && rest.cmd === undefined && keepBoth > 0) delete config.cmd;
      if (unknown) config[unknown[0]] = unknown[1];
      return config;
    });
  return fc.oneof({ weight: 1, arbitrary: junk }, { weight: 6, arbitrary: nearlyValid });
}

export const scaleValues = fc.oneof(
  fc.integer({ min: -5, max: 1_100 }),
  fc.double(),
  fc.stringMatching(/^[+=-]?\d{1,5}$/),
  fc.constantFrom('+1', '-1', '=3', '3', '*2', '1e3', ' 3', '3 ', '+-1', '0x10', '٣', '１', '', '=', '+', '-0', '00', '1024', '1025', '+99999999999999999999'),
  text,
  junk,
);

export const signalValues = fc.oneof(
  fc.constantFrom(...signalNames),
  fc.constantFrom(...signalNames.map((name) => name.slice(3).toLowerCase())),
  fc.integer({ min: -5, max: 70 }),
  fc.constantFrom('SIG', 'sig', 'SIGSIGTERM', 'kill', 'KILL ', ' term', '__proto__', 'constructor', 'toString', 'SIGRTMIN+1', '0', '9', 'SIGKILL\n'),
  text,
  junk,
);

/** Pids that are not the Manager's (and, rarely, one that is: `own`). */
export const pidValues = (own) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.oneof(fc.integer(), fc.nat({ max: 4_194_304 }), fc.constantFrom(0, -1, 1, process.pid, 2 ** 31, -(2 ** 31)), fc.double(), text, junk) },
    { weight: 1, arbitrary: fc.constant(own) },
  );

/** A block-style YAML rendering of a JSON value (every scalar written as JSON, which YAML reads the same). */
export function toYaml(value, indent = '') {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value.map((item) => `\n${indent}- ${toYaml(item, `${indent}  `).replace(/^\n\s*/, '')}`).join('');
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return ' {}';
    return entries.map(([key, item]) => `\n${indent}${JSON.stringify(key)}:${toYaml(item, `${indent}  `)}`).join('');
  }
  return ` ${JSON.stringify(value) ?? 'null'}`;
}

/** A text with some characters inserted, dropped or replaced. */
const mutated = (base) =>
  fc.array(fc.tuple(fc.nat(), fc.constantFrom('insert', 'drop', 'replace'), fc.string({ maxLength: 3 })), { minLength: 1, maxLength: 4 }).map((edits) => {
    let result = base;
    for (const [position, kind, characters] of edits) {
      const at = result.length === 0 ? 0 : position % result.length;
      if (kind === 'insert') result = result.slice(0, at) + characters + result.slice(at);
      else if (kind === 'drop') result = result.slice(0, at) + result.slice(at + 1);
      else result = result.slice(0, at) + characters + result.slice(at + 1);
    }
    return result;
  });

/** Config file contents by format: `{ format, fileName, content }`. */
export function configFiles({ directory, workerModule }) {
  const job = jobConfigs({ directory, workerModule }).map((config) => {
    if (config && typeof config === 'object' && !Array.isArray(config)) {
      const { name: _name, ...rest } = config;
      return rest;
    }
    return config;
  });
  const fileObject = fc.oneof(
    { weight: 4, arbitrary: fc.record({ jobs: fc.dictionary(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), text), job, { maxKeys: 3 }) }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
  const valid = { jobs: { web: { cmd: ['node', 'server.js'], numprocesses: 2, gracefulTimeout: '5s', env: { NODE_ENV: 'production' } }, worker: { cmd: 'sleep 1', shell: true } } };
  const validJson = JSON.stringify(valid, null, 2);
  const validYaml = toYaml(valid).trimStart();
  const validProcfile = 'web: node server.js --port $PORT\n# a comment\nworker: sleep ${DELAY}\n\nclock: echo tick\n';
  const toJson = (value) => JSON.stringify(value, null, 2) ?? 'null';
  const json = fc.oneof(fileObject.map(toJson), mutated(validJson), fc.string({ maxLength: 60 }));
  // Anchors and aliases too: one never set, and the "billion laughs" that a parser must refuse.
  const aliases = fc.constantFrom(
    '*a\n',
    'jobs: *a\n',
    'jobs:\n  web: &web\n    cmd: [node, server.js]\n  api: *web\n',
    'a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\njobs: {}\n',
  );
  const yaml = fc.oneof(fileObject.map((value) => toYaml(value).trimStart()), mutated(validYaml), fc.string({ maxLength: 60 }), aliases);
  const procfileLine = fc.oneof(
    fc
      .tuple(fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), text), fc.oneof(fc.constantFrom('node server.js --port $PORT', 'sleep 1', 'echo ${HOME}', 'echo $UNSET_VARIABLE', 'true', '', '$', '${', '${}'), text))
      .map(([name, command]) => `${name}: ${command}`),
    fc.constantFrom('# comment', '', '   ', ':', 'no colon here', ': no name'),
    text,
  );
  const procfile = fc.oneof(
    fc.tuple(fc.array(procfileLine, { maxLength: 5 }), fc.constantFrom('\n', '\r\n')).map(([lines, newline]) => lines.join(newline)),
    mutated(validProcfile),
  );
  return fc.oneof(
    json.map((content) => ({ format: 'json', fileName: 'pool.config.json', content })),
    yaml.map((content) => ({ format: 'yaml', fileName: 'pool.config.yaml', content })),
    procfile.map((content) => ({ format: 'procfile', fileName: 'Procfile', content })),
  );
}

/** Every duration a job config holds, with its path. */
export function durationsOf(config) {
  const found = [];
  const add = (path, value) => value !== undefined && found.push([path, value]);
  for (const key of ['gracefulTimeout', 'warmupDelay', 'minUptime']) add(key, config[key]);
  if (config.flapping && typeof config.flapping === 'object') for (const key of ['window', 'retryIn']) add(`flapping.${key}`, config.flapping[key]);
  if (config.worker && typeof config.worker === 'object') for (const key of ['startTimeout', 'heartbeatTimeout']) add(`worker.${key}`, config.worker[key]);
  return found;
}
