// 9. Bad input, property-based (fast-check; 3,000 cases a property, 300 in the quick form): job configs,
// scale values, signal names, pids, HTTP bodies and parameters, config files (JSON, YAML, Procfile). Each
// input must be accepted and valid, or rejected with a POOL_ code and a 4xx status. Meanwhile a Manager with
// a running job, its HTTP server, and the CLI's daemon must stay up and keep their jobs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { checkJobConfig, loadConfigFile, Manager, scaleTarget, toMilliseconds, toSignal } from '@pool/core';
import { createPoolServer } from '@pool/http';
import { startDaemon } from '../lib/daemon.mjs';
import { configFiles, durationsOf, jobConfigs, longestTimer, pidValues, scaleValues, signalNames, signalValues } from '../lib/fuzz/inputs.mjs';
import { answerProblem, httpRequests, send } from '../lib/fuzz/requests.mjs';
import { Tally } from '../lib/fuzz/tally.mjs';
import { app } from '../lib/paths.mjs';
import { isAlive } from '../lib/processes.mjs';

export default {
  id: 9,
  name: 'Bad input',
  async run({ quick, directory, log }) {
    const runs = quick ? 300 : 3_000;
    // The quick form (CI) replays the same cases every time; the full form explores new ones (its seed is logged).
    const seed = quick ? 8 : Date.now() % 2 ** 31;
    log(`fast-check seed ${seed}`);
    const workerModule = app('workers/web.mjs');
    const manager = new Manager({ stdout: 'ignore', stderr: 'ignore', logger: false });
    await manager.start();
    await manager.load({ name: 'keeper-live', cmd: ['sleep', '1000'] });
    await manager.load({ name: 'keeper-idle', cmd: ['sleep', '1000'] }, { start: false });
    const livePid = manager.pids('keeper-live')[0];
    const token = randomBytes(24).toString('hex');
    const server = await createPoolServer({ manager, host: '127.0.0.1', port: 0, token, logger: false });
    const daemon = await startDaemon(join(directory, 'pool-home'));
    const rows = [];
    try {
      const inputs = { directory, workerModule };
      const row = (scenario, tally) => {
        log(`${scenario}: ${tally.describe()}`);
        rows.push({ scenario: `Bad input: ${scenario}`, figures: tally.describe(), pass: tally.failed === 0 && tally.cases >= runs });
      };
      row('job configs (Manager.load)', await property(jobConfigs(inputs), runs, (config, tally) => examineConfig(manager, config, tally), seed));
      row('scale values', await property(scaleValues, runs, (value, tally) => examineScale(manager, value, tally), seed));
      row('signal names', await property(signalValues, runs, (value, tally) => examineSignal(manager, value, tally), seed));
      row('pids', await property(pidValues(livePid), runs, (pid, tally) => examinePid(manager, pid, livePid, tally), seed));
      row('config files (JSON, YAML, Procfile)', await property(configFiles(inputs), runs, (file, tally) => examineFile(manager, directory, file, tally), seed));
      const httpTarget = { host: '127.0.0.1', port: Number(new URL(server.address).port) };
      const requests = httpRequests({ ...inputs, ownPid: livePid });
      const authorization = { authorization: `Bearer ${token}` };
      row('HTTP bodies and parameters (@pool/http)', await property(requests, runs, (request, tally) => examineRequest(httpTarget, authorization, request, tally, () => unloadFuzzJobs(manager)), seed));
      const daemonRuns = Math.round(runs / 3);
      const daemonRow = await property(requests, daemonRuns, (request, tally) => examineRequest(daemon.target, {}, request, tally, () => daemon.unloadSession('fuzz')), seed + 1);
      log(`HTTP on the daemon's socket: ${daemonRow.describe()}`);
      rows.push({ scenario: 'Bad input: HTTP on the CLI daemon\'s socket', figures: daemonRow.describe(), pass: daemonRow.failed === 0 && daemonRow.cases >= daemonRuns });
      rows.push(await stayedUp({ manager, livePid, httpTarget, authorization, daemon }));
    } finally {
      await server.close().catch(() => {});
      await manager.stop({ gracefulTimeout: 2_000 });
      await daemon.stop();
    }
    return rows;
  },
};

/** Runs `examine` on `runs` inputs; it records into the tally and never throws, so every case counts. */
async function property(arbitrary, runs, examine, seed) {
  const tally = new Tally();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (input) => {
      try {
        await examine(input, tally);
      } catch (error) {
        tally.fail(`the check itself threw: ${error.message.slice(0, 80)}`, input);
      }
      return true;
    }),
    { numRuns: runs, seed },
  );
  return tally;
}

/** A duration in ms; NaN when pool itself refuses it (then loading the job must fail the right way). */
function milliseconds(value) {
  try {
    return toMilliseconds(value);
  } catch {
    return Number.NaN;
  }
}

/** What is wrong with a config that was accepted: not stored as given, or durations no timer can hold. */
function acceptedConfigProblem(config, stored, info) {
  if (!isDeepStrictEqual(stored, structuredClone(config))) return 'stored differently from what was given';
  for (const [path, value] of durationsOf(config)) {
    if (milliseconds(value) > longestTimer) return `accepted ${path} longer than a Node timer can wait (it fires after 1 ms)`;
  }
  if (info.numprocesses !== (config.numprocesses ?? 1)) return 'numprocesses differs from the config';
  return undefined;
}

async function examineConfig(manager, config, tally) {
  let name;
  try {
    name = await manager.load(config, { session: 'fuzz', start: false });
  } catch (error) {
    tally.reject(error, config);
    return;
  }
  try {
    const problem = acceptedConfigProblem(config, manager.get(name), manager.info(name));
    if (problem) tally.fail(problem, config);
    else tally.accept();
  } finally {
    await manager.unload(name);
  }
}

async function examineScale(manager, value, tally) {
  await manager.scale('keeper-idle', 2);
  let pure;
  try {
    pure = scaleTarget(2, value, 'keeper-idle');
  } catch (error) {
    pure = error;
  }
  try {
    const result = await manager.scale('keeper-idle', value);
    if (pure instanceof Error) tally.fail('scaleTarget refused what Manager.scale accepted', value);
    else if (!Number.isInteger(result) || result < 0 || result > 1_024) tally.fail(`accepted as ${result}`, value);
    else if (result !== pure || manager.info('keeper-idle').numprocesses !== result) tally.fail('scaleTarget and Manager.scale disagree', value);
    else tally.accept();
  } catch (error) {
    tally.reject(error, value);
  }
}

async function examineSignal(manager, value, tally) {
  try {
    const name = toSignal(value);
    manager.killall('keeper-idle', value);
    if (signalNames.includes(name)) tally.accept();
    else tally.fail(`accepted as ${String(name)}`, value);
  } catch (error) {
    tally.reject(error, value);
  }
}

async function examinePid(manager, pid, livePid, tally) {
  const outcomes = [];
  for (const attempt of [() => manager.getProcess(pid), () => manager.kill(pid, 'SIGCONT'), () => manager.send(pid, ['x'])]) {
    try {
      await attempt();
      outcomes.push(undefined);
    } catch (error) {
      outcomes.push(error);
    }
  }
  if (pid === livePid) {
    // Its own process: found, signalled; stdin was not asked for (POOL_NO_STDIN).
    if (outcomes[0] || outcomes[1]) tally.fail('the Manager\'s own pid was refused', pid);
    else tally.reject(outcomes[2] ?? new Error('send to a process without stdin succeeded'), pid);
    return;
  }
  const accepted = outcomes.findIndex((outcome) => outcome === undefined);
  if (accepted >= 0) tally.fail(`${['getProcess', 'kill', 'send'][accepted]} accepted a pid that is not the Manager's`, pid);
  else tally.reject(outcomes[0], pid);
}

async function examineFile(manager, directory, file, tally) {
  const folder = join(directory, 'files', file.format);
  mkdirSync(folder, { recursive: true });
  const path = join(folder, file.fileName);
  writeFileSync(path, file.content);
  let configs;
  try {
    configs = await loadConfigFile(path, { env: { HOME: '/root', DELAY: '1' } });
  } catch (error) {
    tally.reject(error, file.content);
    return;
  }
  const names = configs.map((config) => config.name);
  if (new Set(names).size !== names.length) return tally.fail('two jobs with one name', file.content);
  for (const config of configs) {
    const problems = checkJobConfig(config);
    if (problems.length) return tally.fail(`a loaded job fails the schema (${problems[0].path} ${problems[0].message})`, file.content);
    const long = durationsOf(config).find(([, value]) => milliseconds(value) > longestTimer);
    if (long) return tally.fail(`accepted ${long[0]} longer than a Node timer can wait`, file.content);
  }
  // Loaded from the file, the jobs must also load into a Manager (or be refused there the right way).
  const loaded = [];
  try {
    for (const config of configs) loaded.push(await manager.load(config, { session: 'fuzz-files', start: false }));
    tally.accept();
  } catch (error) {
    tally.reject(error, file.content);
  } finally {
    for (const name of loaded) await manager.unload(name);
  }
}

async function unloadFuzzJobs(manager) {
  for (const name of manager.jobs()) if (!name.startsWith('default.keeper-')) await manager.unload(name);
  await manager.scale('keeper-idle', 1);
}

async function examineRequest(target, headers, request, tally, cleanUp) {
  let answer;
  try {
    answer = await send(target, { ...request, headers });
  } catch (error) {
    tally.fail(`no answer (${error.code ?? error.message})`, request);
    return;
  }
  const problem = answerProblem(answer, request);
  if (problem) tally.fail(problem, { ...request, body: request.body?.text.slice(0, 100), answer: answer.body.slice(0, 100) });
  else if (answer.status >= 400) tally.rejectedWith(JSON.parse(answer.body).code);
  else tally.accept();
  if (request.method === 'POST' || request.method === 'PUT' || request.method === 'DELETE') await cleanUp();
}

async function stayedUp({ manager, livePid, httpTarget, authorization, daemon }) {
  const health = await send(httpTarget, { method: 'GET', path: '/healthz', headers: authorization }).catch(() => ({ status: 0 }));
  const jobs = manager.jobs();
  const idleIntact = jobs.includes('default.keeper-idle') && isDeepStrictEqual(manager.get('keeper-idle').cmd, ['sleep', '1000']);
  const managerOk = manager.state === 'running' && isAlive(livePid) && manager.pids('keeper-live')[0] === livePid && idleIntact;
  const daemonState = await daemon.check();
  const pass = managerOk && health.status === 200 && daemonState.ok;
  return {
    scenario: 'Bad input: Manager, HTTP server and daemon stayed up with their jobs',
    figures:
      `Manager ${manager.state}, keeper job still pid ${livePid} (${isAlive(livePid) ? 'alive' : 'dead'}), jobs ${jobs.join(', ')}${idleIntact ? '' : ' (keeper-idle\'s config was replaced)'}; ` +
      `HTTP /healthz ${health.status}; daemon ${daemonState.description}`,
    pass,
    ...(idleIntact && daemonState.ok
      ? {}
      : { note: 'keeper-idle was never named in a URL that changes a job: its config was replaced by PUT /jobs/<another name> with "name": "keeper-idle" in the body (the route updates the job the body names).' }),
  };
}

