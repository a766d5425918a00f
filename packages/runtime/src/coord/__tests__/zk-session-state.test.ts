import { sessionTransition, type LibState, type SessionStatus } from '../zk-session-state.js';
import { watchdogPeriodMs, watchdogVerdict } from '../zk-watchdog.js';

const STATES: LibState[] = ['sync-connected', 'disconnected', 'expired', 'auth-failed', 'other'];

describe('ZooKeeper session state machine (pure)', () => {
  test('connecting: established on the first SYNC_CONNECTED, rejected on AUTH_FAILED, otherwise waits for the deadline', () => {
    expect(sessionTransition('connecting', 'sync-connected')).toEqual({ status: 'connected', step: 'established' });
    expect(sessionTransition('connecting', 'auth-failed')).toEqual({ status: 'dead', step: 'rejected' });
    for (const s of ['disconnected', 'expired', 'other'] as const) expect(sessionTransition('connecting', s)).toEqual({ status: 'connecting', step: 'none' });
  });

  test('a live session moves between connected and disconnected, reporting each change once', () => {
    expect(sessionTransition('connected', 'disconnected')).toEqual({ status: 'disconnected', step: 'disconnected' });
    expect(sessionTransition('disconnected', 'disconnected')).toEqual({ status: 'disconnected', step: 'none' });
    expect(sessionTransition('disconnected', 'sync-connected')).toEqual({ status: 'connected', step: 'reconnected' });
    expect(sessionTransition('connected', 'sync-connected')).toEqual({ status: 'connected', step: 'none' });
  });

  test('expiry and authentication failure end a live session for good', () => {
    for (const s of ['connected', 'disconnected'] as const) {
      expect(sessionTransition(s, 'expired')).toEqual({ status: 'dead', step: 'expired' });
      expect(sessionTransition(s, 'auth-failed')).toEqual({ status: 'dead', step: 'auth-failed' });
      expect(sessionTransition(s, 'other')).toEqual({ status: s, step: 'none' });
    }
  });

  test('a dead session ignores everything', () => {
    for (const s of STATES) expect(sessionTransition('dead', s)).toEqual({ status: 'dead', step: 'none' });
  });

  test('random walks never leave dead and only report steps that change the status', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let walk = 0; walk < 200; walk++) {
      let status: SessionStatus = 'connecting';
      for (let i = 0; i < 50; i++) {
        const t = sessionTransition(status, STATES[rnd(STATES.length)]!);
        expect(t.step === 'none').toBe(t.status === status);
        if (status === 'dead') expect(t.status).toBe('dead');
        status = t.status;
      }
    }
  });
});

describe('ZooKeeper watchdog verdict (pure; thirds of the session timeout)', () => {
  const timeoutMs = 6000;
  const v = (status: SessionStatus, silentMs: number, probing = false) => watchdogVerdict({ status, silentMs, timeoutMs, probing });

  test('a connected session: quiet is fine, then probed after 1/3, then dropped after 2/3', () => {
    expect(v('connected', 1999)).toBe('ok');
    expect(v('connected', 2000)).toBe('probe');
    expect(v('connected', 3000, true)).toBe('ok'); // one probe at a time
    expect(v('connected', 4000)).toBe('probe');
    expect(v('connected', 4001)).toBe('drop');
    expect(v('connected', 4001, true)).toBe('drop');
  });

  test('a disconnected session whose re-dial stalls for 2/3 of the timeout dials again; no probes meanwhile', () => {
    expect(v('disconnected', 3000)).toBe('ok');
    expect(v('disconnected', 4001)).toBe('redial');
  });

  test('connecting and dead sessions are left alone', () => {
    expect(v('connecting', 1e9)).toBe('ok');
    expect(v('dead', 1e9)).toBe('ok');
  });

  test('period: a sixth of the requested timeout, at least 100 ms', () => {
    expect(watchdogPeriodMs(6000)).toBe(1000);
    expect(watchdogPeriodMs(300)).toBe(100);
  });
});
