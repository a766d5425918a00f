// One slot's worker process on a manual clock and scheduler: restart backoff through retry.ts,
// hang detection from the heartbeat, and SIGKILL after the topology's drain timeout + grace.
import { EventEmitter } from 'node:events';
import { CLUSTER_CONFIG_DEFAULTS, killAfterMs } from '../../config/cluster-config.js';
import { ManualClock, ManualScheduler } from '../../engine/testing/manual-time.js';
import { rootLog } from '../../log.js';
import type { SlotEvents } from '../events.js';
import type { Assignment } from '../model.js';
import { SlotProcess, type PreparedLaunch, type WorkerChild } from '../slot-process.js';

class FakeChild extends EventEmitter implements WorkerChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: NodeJS.Signals[] = [];
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals): boolean {
    this.signals.push(signal);
    return true;
  }
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

const A = { topology: 'wc', version: 3 } as Assignment;
/** Lets the slot's awaited prepare() settle (no time passes). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function slot(prepare: (a: Assignment) => Promise<PreparedLaunch> = () => Promise.resolve({ bundlePath: '/b.mjs', drainTimeoutMs: 1000, nodeFlags: [] })) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const time = {
    now: () => clock.now(),
    advance: (ms: number) => void scheduler.advanceBy(ms),
    get pending() {
      return scheduler.timerCount;
    },
  };
  const children: FakeChild[] = [];
  const events: { event: keyof SlotEvents; data: SlotEvents[keyof SlotEvents] }[] = [];
  const s = new SlotProcess({
    port: 6700, cfg: CLUSTER_CONFIG_DEFAULTS, workerTimeoutMs: 1000, defaultDrainTimeoutMs: 30_000, log: rootLog,
    clock, scheduler, random: () => 0.5, // no jitter
    prepare,
    fork: () => {
      const c = new FakeChild(100 + children.length);
      children.push(c);
      return c;
    },
    emit: (event, data) => events.push({ event, data }),
  });
  return { s, time, children, events, last: (): FakeChild => children[children.length - 1]! };
}

describe('slot process (manual clock)', () => {
  test('a crashing worker is relaunched after 0.5 s, 1 s, 2 s, ... up to 30 s; a long run starts the backoff over', async () => {
    const { s, time, children, events, last } = slot();
    s.assign('id-1', A);
    await settle();
    expect(events).toEqual([{ event: 'worker.started', data: { topology: 'wc', port: 6700, pid: 100 } }]);

    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().exit(1);
      const crashed = events[events.length - 1]!;
      expect(crashed.event).toBe('worker.crashed');
      const { restartInMs } = crashed.data as SlotEvents['worker.crashed'];
      delays.push(restartInMs);
      time.advance(restartInMs - 1);
      await settle();
      expect(children).toHaveLength(i + 1); // not relaunched a moment early
      time.advance(1);
      await settle();
      expect(children).toHaveLength(i + 2);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);

    // Ran longer than the longest backoff: the next crash restarts after the first delay again.
    time.advance(CLUSTER_CONFIG_DEFAULTS.restartBackoffMaxMs + 1);
    last().exit(null, 'SIGSEGV');
    expect(events[events.length - 1]).toEqual({
      event: 'worker.crashed', data: { topology: 'wc', port: 6700, code: null, signal: 'SIGSEGV', restartInMs: 500 },
    });
  });

  test('exit 0 is a stop, not a crash (relaunched only as a fallback, after the backoff)', async () => {
    const { s, time, children, events, last } = slot();
    s.assign('id-1', A);
    await settle();
    last().exit(0);
    expect(events[events.length - 1]).toEqual({ event: 'worker.stopped', data: { topology: 'wc', port: 6700, code: 0, signal: null } });
    time.advance(500);
    await settle();
    expect(children).toHaveLength(2);
  });

  test('code that cannot be had: worker.crashed with the cause, retried with backoff', async () => {
    let calls = 0;
    const { s, time, children, events } = slot(() => {
      calls++;
      return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    });
    s.assign('id-1', A);
    await settle();
    expect(events).toEqual([{
      event: 'worker.crashed',
      data: { topology: 'wc', port: 6700, code: null, signal: null, cause: { code: 'ENOSPC', message: 'ENOSPC: no space left on device' }, restartInMs: 500 },
    }]);
    time.advance(500);
    await settle();
    expect(calls).toBe(2);
    expect((events[1]!.data as SlotEvents['worker.crashed']).restartInMs).toBe(1000);
    expect(children).toHaveLength(0);
  });

  test('a worker silent for the worker timeout is hung: SIGKILLed, then relaunched', async () => {
    const { s, time, events, last } = slot();
    s.assign('id-1', A);
    await settle();
    const pid = last().pid;
    // Before its first heartbeat it gets 4x the timeout.
    time.advance(3999);
    s.observeHeartbeat(pid, false, time.now());
    expect(last().signals).toEqual([]);
    s.observeHeartbeat(pid, true, time.now());
    time.advance(1000);
    s.observeHeartbeat(pid, false, time.now());
    expect(last().signals).toEqual([]);
    time.advance(1);
    s.observeHeartbeat(pid, false, time.now());
    expect(events[events.length - 1]).toEqual({ event: 'worker.hung', data: { topology: 'wc', port: 6700, pid, silentMs: 1001 } });
    expect(last().signals).toEqual(['SIGKILL']);
    last().exit(null, 'SIGKILL');
    expect(events[events.length - 1]).toEqual({
      event: 'worker.crashed',
      data: { topology: 'wc', port: 6700, code: null, signal: 'SIGKILL', cause: { message: 'heartbeat missing' }, restartInMs: 500 },
    });
    // A stale finding about another pid (a predecessor's heartbeat) judges nothing.
    const count = events.length;
    s.observeHeartbeat(pid + 50, false, time.now() + 1_000_000);
    expect(events).toHaveLength(count);
  });

  test("stop: SIGTERM, then SIGKILL after the topology's drainTimeoutMs + drainGraceMs; no relaunch", async () => {
    const { s, time, children, events, last } = slot();
    s.assign('id-1', A);
    await settle();
    const stopped = s.stop();
    expect(last().signals).toEqual(['SIGTERM']);
    time.advance(killAfterMs(1000) - 1);
    expect(last().signals).toEqual(['SIGTERM']);
    time.advance(1);
    expect(last().signals).toEqual(['SIGTERM', 'SIGKILL']);
    last().exit(null, 'SIGKILL');
    await stopped;
    expect(events[events.length - 1]).toEqual({ event: 'worker.stopped', data: { topology: 'wc', port: 6700, code: null, signal: 'SIGKILL' } });
    s.assign(undefined, undefined);
    time.advance(60_000);
    await settle();
    expect(children).toHaveLength(1);
    expect(time.pending).toBe(0);
    expect(s.idle).toBe(true);
  });
});
