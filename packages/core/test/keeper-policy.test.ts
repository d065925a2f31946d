// The Keeper's policy on its own, without processes: exit reasons, back-off, flapping, and how slots are
// filled, scaled and replaced. The children are stand-ins that do what a test tells them, at once.
import { EventEmitter } from 'node:events';
import type { ChildExit, ChildHandler } from '@pool/core';
import { backoffDelay, exitReason, FlappingDetector, isFailure, Keeper, shouldRestart, type KeeperEvent, type KeeperOptions } from '@pool/core/internal';
import { describe, expect, it } from 'vitest';

const exit = (overrides: Partial<ChildExit> = {}): ChildExit => ({
  pid: 1,
  code: 1,
  signal: null,
  uptime: 5_000,
  wasReady: true,
  requested: false,
  forced: false,
  stderrTail: '',
  ...overrides,
});

describe('exit reasons', () => {
  it('timeout first, then a requested stop, then a start that never got ready, then exited (0) or crashed', () => {
    expect(exitReason(exit({ requested: true }), true)).toBe('timeout');
    expect(exitReason(exit({ error: { code: 'POOL_START_TIMEOUT' } as never, wasReady: false }), false)).toBe('timeout');
    expect(exitReason(exit({ requested: true, wasReady: false }), false)).toBe('stopped');
    expect(exitReason(exit({ wasReady: false }), false)).toBe('failed-start');
    expect(exitReason(exit({ code: 0 }), false)).toBe('exited');
    expect(exitReason(exit({ code: null, signal: 'SIGKILL' }), false)).toBe('crashed');
  });

  it('restart policies and what counts as a failure', () => {
    expect(shouldRestart('always', 'exited')).toBe(true);
    expect(shouldRestart('on-failure', 'exited')).toBe(false);
    expect(shouldRestart('on-failure', 'crashed')).toBe(true);
    expect(shouldRestart('never', 'crashed')).toBe(false);
    expect(isFailure(exit(), 'crashed', 1_000)).toBe(false);
    expect(isFailure(exit({ uptime: 10 }), 'crashed', 1_000)).toBe(true);
    expect(isFailure(exit(), 'timeout', 0)).toBe(true);
    expect(isFailure(exit(), 'failed-start', 0)).toBe(true);
  });
});

describe('back-off and flapping', () => {
  it('backs off 0, initial, initial × factor, … up to max', () => {
    const options = { initial: 100, factor: 3, max: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((failures) => backoffDelay(failures, options))).toEqual([0, 100, 300, 900, 1_000, 1_000]);
  });

  it('pauses after `attempts` failures within `window`, forgets older ones, and gives up after maxRetry rounds', () => {
    const detector = new FlappingDetector({ attempts: 3, window: 1_000, retryIn: 10, maxRetry: 2 });
    expect([0, 10].map((at) => detector.record(at).kind)).toEqual(['ok', 'ok']);
    expect(detector.record(5_000)).toEqual({ kind: 'ok' }); // the two before are outside the window
    expect(detector.record(5_001).kind).toBe('ok');
    expect(detector.record(5_002)).toEqual({ kind: 'pause', round: 1 });
    for (const at of [6_000, 6_001]) detector.record(at);
    expect(detector.record(6_002)).toEqual({ kind: 'pause', round: 2 });
    for (const at of [7_000, 7_001]) detector.record(at);
    expect(detector.record(7_002)).toEqual({ kind: 'give-up', round: 3 });
    detector.reset();
    expect(detector.round).toBe(0);
  });
});

/** A stand-in for a ChildHandler: spawned at once, ready, crashed or stopped when the test says so. */
class StandIn extends EventEmitter {
  static nextPid = 10_000;
  state: ChildHandler['state'] = 'idle';
  pid: number | undefined;
  spawnedAt = 0;
  readyAt: number | undefined;
  requested = false;
  readonly options = { command: 'stand-in' };
  readonly #exit: Promise<ChildExit>;
  #resolveExit!: (exit: ChildExit) => void;
  #started!: { resolve: () => void; reject: (error: Error) => void };

  constructor(readonly id: number) {
    super();
    this.#exit = new Promise((resolve) => (this.#resolveExit = resolve));
  }
  get alive(): boolean {
    return ['starting', 'ready', 'stopping'].includes(this.state);
  }
  get exited(): Promise<ChildExit> {
    return this.#exit;
  }
  start(): Promise<void> {
    this.state = 'starting';
    this.pid = StandIn.nextPid++;
    this.spawnedAt = Date.now();
    this.emit('spawn', { pid: this.pid });
    return new Promise((resolve, reject) => (this.#started = { resolve, reject }));
  }
  ready(): void {
    this.state = 'ready';
    this.readyAt = Date.now();
    this.emit('ready', { pid: this.pid, startDuration: 0 });
    this.#started.resolve();
  }
  end(facts: Partial<ChildExit> = {}): void {
    if (!this.alive) return;
    const wasReady = this.readyAt !== undefined;
    const record = exit({ pid: this.pid, uptime: 60_000, wasReady, requested: this.requested, ...facts });
    this.state = 'exited';
    if (!wasReady) this.#started.reject(new Error('never ready'));
    this.emit('exit', record);
    this.#resolveExit(record);
  }
  stop(): Promise<ChildExit> {
    if (this.alive) {
      this.requested = true;
      this.state = 'stopping';
      queueMicrotask(() => this.end({ code: null, signal: 'SIGTERM' }));
    }
    return this.#exit;
  }
  signal(): boolean {
    return this.alive;
  }
  send(): boolean {
    return false;
  }
}

function standInKeeper(overrides: Partial<KeeperOptions> = {}) {
  const made: StandIn[] = [];
  const events: KeeperEvent[] = [];
  const keeper = new Keeper({
    name: 'test.job',
    subject: 'job test.job',
    numprocesses: 2,
    create: (id) => {
      const child = new StandIn(id);
      made.push(child);
      return child as unknown as ChildHandler;
    },
    restart: 'always',
    backoff: { initial: 10, factor: 2, max: 100 },
    flapping: false,
    minUptime: 0,
    startTimeout: 0,
    checkInterval: 0,
    overlap: true,
    logger: () => ({ info() {}, warn() {}, error() {} }) as never,
    publish: (event) => events.push(event),
    ...overrides,
  });
  const live = () => made.filter((child) => child.alive);
  const readyAll = () => {
    for (const child of made) if (child.state === 'starting') child.ready();
  };
  return { keeper, made, events, live, readyAll };
}

describe('the Keeper, with stand-in processes', () => {
  it('fills numbers 0…N-1 and replaces an exited process under its number, counting the restart', async () => {
    const { keeper, made, readyAll, events } = standInKeeper();
    await keeper.start();
    expect(made.map((child) => child.id)).toEqual([0, 1]);
    readyAll();
    await keeper.whenAllReady();
    made[1]!.end({ code: 3 });
    const restart = events.find((event) => event.type === 'restart');
    expect(restart).toMatchObject({ id: 1, delay: 0, failures: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(made.map((child) => child.id)).toEqual([0, 1, 1]);
    expect(keeper.processes().map((info) => info.restarts)).toEqual([0, 1]);
    expect(keeper.restarts).toBe(1);
  });

  it('computes relative scales in order, and the restart counter never goes down', async () => {
    const { keeper, live } = standInKeeper({ numprocesses: 1 });
    await keeper.start();
    const plusOne = (current: number) => current + 1;
    expect(await Promise.all([keeper.scale(plusOne), keeper.scale(plusOne), keeper.scale(plusOne)])).toEqual([2, 3, 4]);
    expect(live()).toHaveLength(4);
    live()[3]!.end();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(keeper.restarts).toBe(1);
    expect(await keeper.scale(1)).toBe(1);
    expect(live().map((child) => child.id)).toEqual([0]);
    expect(keeper.restarts).toBe(1);
  });

  it('a process killed while its rolling replacement starts: the replacement takes the number, nothing else spawns', async () => {
    const { keeper, made, readyAll, live } = standInKeeper({ numprocesses: 1 });
    await keeper.start();
    readyAll();
    const replacing = keeper.replace();
    await new Promise((resolve) => setImmediate(resolve));
    expect(made).toHaveLength(2); // the replacement, starting
    made[0]!.end({ code: null, signal: 'SIGKILL' });
    await new Promise((resolve) => setTimeout(resolve, 20)); // a restart with no back-off would have spawned by now
    expect(made).toHaveLength(2);
    made[1]!.ready();
    await replacing;
    expect(live()).toEqual([made[1]]);
    expect(keeper.processes()).toEqual([expect.objectContaining({ id: 0, pid: made[1]!.pid, state: 'ready' })]);
  });

  it('a stop cuts short a rolling replacement and leaves nothing running', async () => {
    const { keeper, made, readyAll, live } = standInKeeper();
    await keeper.start();
    readyAll();
    const replacing = keeper.replace();
    await new Promise((resolve) => setImmediate(resolve));
    await keeper.stop();
    await expect(replacing).rejects.toMatchObject({ code: 'POOL_STOPPED' });
    expect(live()).toEqual([]);
    expect(made).toHaveLength(3);
    expect(keeper.processes().map((info) => info.state)).toEqual(['stopped', 'stopped']);
  });

  it('a stop during a back-off: no process is spawned afterwards', async () => {
    const { keeper, made, readyAll } = standInKeeper({ numprocesses: 1, backoff: { initial: 50, factor: 1, max: 50 } });
    await keeper.start();
    made[0]!.end({ wasReady: false }); // failure 1: restarted at once
    await new Promise((resolve) => setTimeout(resolve, 5));
    made[1]!.end({ wasReady: false }); // failure 2: 50 ms of back-off
    await keeper.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(made).toHaveLength(2);
    readyAll();
    expect(keeper.processes()[0]).toMatchObject({ state: 'stopped', failures: 2 });
  });

  it('"never" keeps an exited number down until the next start', async () => {
    const { keeper, made } = standInKeeper({ numprocesses: 1, restart: 'never' });
    await keeper.start();
    made[0]!.ready();
    made[0]!.end({ code: 0 });
    expect(keeper.processes()[0]).toMatchObject({ state: 'exited', lastExit: { reason: 'exited', code: 0 } });
    await keeper.start();
    expect(made).toHaveLength(2);
  });
});
