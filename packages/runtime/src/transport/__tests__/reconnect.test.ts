import { ReconnectSchedule } from '../reconnect.js';
import { ManualSchedule } from './manual-schedule.js';

const NO_JITTER = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 };

describe('ReconnectSchedule: backoff between attempts (shared retry.ts schedule)', () => {
  test('delays grow from initialMs to maxMs; peek reports the delay take then returns', () => {
    const r = new ReconnectSchedule(NO_JITTER, 1000);
    expect(r.peek()).toBe(100);
    expect(r.peek()).toBe(100);
    expect(r.take()).toBe(100);
    expect([r.take(), r.take(), r.take(), r.take(), r.take()]).toEqual([200, 400, 800, 1000, 1000]);
  });

  test('jitter stays within the bound and comes from the injected randomness', () => {
    const lo = new ReconnectSchedule({ ...NO_JITTER, jitter: 0.2, random: () => 0 }, 1000);
    const hi = new ReconnectSchedule({ ...NO_JITTER, jitter: 0.2, random: () => 0.999999 }, 1000);
    expect([lo.take(), lo.take()]).toEqual([80, 160]);
    expect([hi.take(), hi.take()]).toEqual([120, 240]);
  });

  test('a connection that stayed up minUptimeMs starts the schedule over; a short one does not', () => {
    const r = new ReconnectSchedule(NO_JITTER, 1000);
    r.take();
    r.take();
    r.closedAfter(999);
    expect(r.peek()).toBe(400);
    r.closedAfter(1000);
    expect(r.take()).toBe(100);
    r.take();
    r.reset();
    expect(r.take()).toBe(100);
  });

  test('wait() dials after the delay on the injected clock; a new wait or cancel() replaces it', () => {
    const clock = new ManualSchedule();
    const r = new ReconnectSchedule(NO_JITTER, 1000, clock.schedule);
    const dials: number[] = [];
    r.wait(100, () => dials.push(clock.now));
    expect(r.waiting).toBe(true);
    clock.advance(99);
    expect(dials).toEqual([]);
    r.wait(50, () => dials.push(clock.now)); // replaces the first wait
    clock.advance(100);
    expect(dials).toEqual([149]);
    expect(r.waiting).toBe(false);
    r.wait(10, () => dials.push(clock.now));
    r.cancel();
    clock.advance(100);
    expect(dials).toEqual([149]);
  });
});
