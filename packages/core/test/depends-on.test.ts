import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPoolError, loadConfigFile } from '@pool/core';
import { freePort, tempDir, waitFor } from '@pool/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { eventsOf, fixture, node, useManagers } from './fixtures/manager/harness.js';

const { create } = useManagers();
const temps: { remove: () => void; path: string }[] = [];
afterEach(() => {
  for (const temp of temps.splice(0)) temp.remove();
});

/** A client that asks the db once, as it starts, and says what it found. */
const client = (port: number) => [node, '-e', `require('http').get('http://127.0.0.1:${port}/health', (r) => console.log('db answered ' + r.statusCode)).on('error', (e) => console.log('db refused ' + e.code)); setInterval(() => {}, 1000)`];

describe('dependsOn: start after what a job depends on is ready, stop before it', () => {
  it('starting a job starts its dependency first and waits until it is ready (its readiness probe), showing what it waits for', async () => {
    const { manager, events, stdout } = create();
    await manager.start();
    const port = await freePort();
    await manager.load({ name: 'db', cmd: [node, fixture('probed-server.mjs')], port, env: { LISTEN_AFTER: '800' }, readiness: { http: { path: '/health' }, interval: '50ms' } }, { start: false });
    const loading = manager.load({ name: 'web', cmd: client(port), dependsOn: ['db'] });
    await waitFor(() => manager.info('web').waitingFor.includes('default.db'));
    expect(manager.info('web').processes.filter((process) => process.pid !== undefined)).toEqual([]);
    await loading;
    expect(manager.info('web')).toMatchObject({ dependsOn: ['default.db'], waitingFor: [] });
    await waitFor(() => /db (answered|refused)/.exec(stdout.text)?.[0]);
    expect(stdout.text).toContain('db answered 200');
    expect(manager.info('db').active).toBe(true);
    // Stopping everything: the dependent first.
    await manager.stop();
    const exits = eventsOf(events, 'exit').map((event) => event.job);
    expect(exits).toEqual(['default.web', 'default.db']);
  });

  it('a dependency that ends for good fails the start of its dependent (POOL_DEPENDENCY_FAILED); nothing of the dependent runs', async () => {
    const { manager } = create();
    await manager.start();
    // Never ready: its probe looks where nothing listens; with restart "never" its one start is its last.
    const port = await freePort();
    await manager.load({ name: 'broken', cmd: ['sleep', '1000'], restart: 'never', readiness: { tcp: port, interval: '50ms', timeout: '500ms' } }, { start: false });
    const error = await manager.load({ name: 'app', cmd: ['sleep', '1000'], dependsOn: ['broken'] }).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_DEPENDENCY_FAILED')).toBe(true);
    expect((error as Error).message).toContain('default.broken');
    expect((error as Error).message).toContain('did not pass its readiness probe');
    expect(manager.jobs()).toEqual(['default.broken']);
  });

  it('refuses a dependency that is not loaded, and a cycle, naming it', async () => {
    const { manager } = create();
    await manager.start();
    const unknown = await manager.load({ name: 'a', cmd: ['sleep', '1000'], dependsOn: ['b'] }).catch((caught: unknown) => caught);
    expect(isPoolError(unknown, 'POOL_UNKNOWN_DEPENDENCY')).toBe(true);
    await manager.load({ name: 'b', cmd: ['sleep', '1000'] });
    await manager.load({ name: 'a', cmd: ['sleep', '1000'], dependsOn: ['b'] });
    const cycle = await manager.update({ name: 'b', cmd: ['sleep', '1000'], dependsOn: ['a'] }).catch((caught: unknown) => caught);
    expect(isPoolError(cycle, 'POOL_DEPENDENCY_CYCLE')).toBe(true);
    expect((cycle as Error).message).toContain('default.b → default.a → default.b');
    // The refused update changed nothing.
    expect(manager.get('b').dependsOn).toBeUndefined();
    expect(manager.info('b').processes[0]).toMatchObject({ state: 'ready' });
  });

  it('a config file is read in dependency order; a cycle in it is refused with the path', async () => {
    const dir = tempDir();
    temps.push(dir);
    const file = join(dir.path, 'pool.config.json');
    writeFileSync(file, JSON.stringify({ jobs: { web: { cmd: ['w'], dependsOn: ['api'] }, api: { cmd: ['a'], dependsOn: ['db'] }, db: { cmd: ['d'] }, other: { cmd: ['o'] } } }));
    expect((await loadConfigFile(file)).map((job) => job.name)).toEqual(['db', 'api', 'web', 'other']);
    writeFileSync(file, JSON.stringify({ jobs: { a: { cmd: ['a'], dependsOn: ['b'] }, b: { cmd: ['b'], dependsOn: ['a'] } } }));
    const error = await loadConfigFile(file).catch((caught: unknown) => caught);
    expect(isPoolError(error, 'POOL_INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/dependsOn.*closes a dependency cycle: a → b → a/);
  });
});
