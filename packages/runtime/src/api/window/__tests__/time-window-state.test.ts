import { CountWindowState } from '../count-window-state.js';
import { TimeWindowState, type Firing } from '../time-window-state.js';
import { WatermarkTracker } from '../watermark.js';
import { Count, DEFAULT_WINDOW_IDLE_INPUT_MS, Duration, resolveWindow, type WindowSpec } from '../window-spec.js';

function state(spec: WindowSpec): TimeWindowState<string> {
  return new TimeWindowState<string>(resolveWindow('w', spec));
}

/** Fires everything due and evicts after each window, as the executor does. */
function drain(s: TimeWindowState<string>): { firings: Firing<string>[]; acked: string[] } {
  const firings: Firing<string>[] = [];
  const acked: string[] = [];
  for (let f = s.next(); f !== undefined; f = s.next()) {
    firings.push(f);
    acked.push(...s.evict());
  }
  acked.push(...s.evict());
  return { firings, acked };
}

/** A state whose adds feed one watermark stream, as the executor does; `nextWatermark` reads it. */
function tracked(s: TimeWindowState<string>, lag: number): TimeWindowState<string> & { readonly nextWatermark: number } {
  const wm = new WatermarkTracker(lag, 5000, []);
  const add = s.add.bind(s);
  s.add = (item: string, ts: number) => {
    const r = add(item, ts);
    if (r !== 'full') wm.observe(1, 's', ts);
    return r;
  };
  return Object.defineProperty(s, 'nextWatermark', { get: () => wm.current() }) as TimeWindowState<string> & { readonly nextWatermark: number };
}

const shape = (f: Firing<string>): unknown => ({ start: f.start, end: f.end, window: f.window, fresh: f.fresh, expired: f.expired });

describe('time windows (pure state)', () => {
  it('tumbling: each tuple is in exactly one window and is evicted right after it', () => {
    const s = state({ length: Duration.ofMillis(100) });
    s.advance(0);
    s.add('a', 0);
    s.add('b', 0);
    s.advance(100);
    expect(drain(s)).toEqual({ firings: [expect.objectContaining({ start: 0, end: 100, window: ['a', 'b'], fresh: ['a', 'b'], expired: [] })], acked: ['a', 'b'] });
    s.add('c', 100);
    s.advance(200);
    const { firings, acked } = drain(s);
    expect(firings.map(shape)).toEqual([{ start: 100, end: 200, window: ['c'], fresh: ['c'], expired: ['a', 'b'] }]);
    expect(acked).toEqual(['c']);
  });

  it('sliding: overlapping windows share tuples; a tuple leaves after its last window', () => {
    const s = state({ length: Duration.ofMillis(100), slide: Duration.ofMillis(50) });
    s.advance(0);
    s.add('a', 0);
    s.advance(50);
    let r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: -50, end: 50, window: ['a'], fresh: ['a'], expired: [] }]);
    expect(r.acked).toEqual([]);
    s.add('b', 50);
    s.advance(100);
    r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: 0, end: 100, window: ['a', 'b'], fresh: ['b'], expired: [] }]);
    expect(r.acked).toEqual(['a']);
    s.advance(150);
    r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: 50, end: 150, window: ['b'], fresh: [], expired: ['a'] }]);
    expect(r.acked).toEqual(['b']);
    expect(s.size).toBe(0);
  });

  it('event time: out-of-order tuples sort by timestamp; the watermark (max - lag) fires windows; older than closed windows is late', () => {
    const s = tracked(state({ length: Duration.ofMillis(10), timestamp: 'ts', maxLagMs: 2 }), 2);
    expect(s.add('t5', 5)).toBe('added');
    expect(s.add('t1', 1)).toBe('added');
    expect(s.add('t11', 11)).toBe('added');
    s.advance(s.nextWatermark); // 9: nothing due
    expect(drain(s).firings).toEqual([]);
    expect(s.add('t12', 12)).toBe('added');
    s.advance(s.nextWatermark); // 10
    const r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: 0, end: 10, window: ['t1', 't5'], fresh: ['t1', 't5'], expired: [] }]);
    expect(r.acked).toEqual(['t1', 't5']);
    expect(s.add('t9', 9)).toBe('late');
    expect(s.add('t10', 10)).toBe('added');
  });

  it('allowed lateness: a late tuple within it fires its window again with only itself new', () => {
    const s = tracked(state({ length: Duration.ofMillis(10), timestamp: 'ts', allowedLatenessMs: 5 }), 0);
    s.add('a', 3);
    s.add('b', 12);
    s.advance(s.nextWatermark); // 12
    let r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: 0, end: 10, window: ['a'], fresh: ['a'], expired: [] }]);
    expect(r.acked).toEqual([]); // window [0,10) stays open until watermark 15
    expect(s.add('late-ok', 7)).toBe('added');
    s.advance(s.nextWatermark);
    r = drain(s);
    expect(r.firings.map(shape)).toEqual([{ start: 0, end: 10, window: ['a', 'late-ok'], fresh: ['late-ok'], expired: [] }]);
    s.add('c', 16);
    s.advance(s.nextWatermark); // 16: [0,10) closes
    r = drain(s);
    expect(r.firings).toEqual([]);
    expect(r.acked).toEqual(['a', 'late-ok']);
    expect(s.add('too-late', 8)).toBe('late');
  });

  it('a jump of the watermark fires only the non-empty windows, in order', () => {
    const s = tracked(state({ length: Duration.ofMillis(10), timestamp: 'ts' }), 0);
    s.add('a', 1_000_005);
    s.add('b', 1_000_095);
    s.add('c', 2_000_000);
    s.advance(s.nextWatermark);
    expect(drain(s).firings.map((f) => [f.start, f.window])).toEqual([[1_000_000, ['a']], [1_000_090, ['b']]]);
  });

  it('refuses more than maxTuples', () => {
    const s = state({ length: Duration.ofMillis(10), maxTuples: 2 });
    s.advance(0);
    expect([s.add('a', 0), s.add('b', 0), s.add('c', 0)]).toEqual(['added', 'added', 'full']);
  });
});

describe('count windows (pure state)', () => {
  it('tumbling count: fires every n tuples with those n, then evicts them all', () => {
    const s = new CountWindowState<number>(3, 3);
    expect(s.add(1)).toBeUndefined();
    expect(s.add(2)).toBeUndefined();
    expect(s.add(3)).toMatchObject({ window: [1, 2, 3], fresh: [1, 2, 3], expired: [] });
    expect(s.evict()).toEqual([1, 2, 3]);
    s.add(4);
    s.add(5);
    expect(s.add(6)).toMatchObject({ window: [4, 5, 6], expired: [1, 2, 3] });
  });

  it('sliding count: the last n tuples every m tuples', () => {
    const s = new CountWindowState<number>(4, 2);
    s.add(1);
    expect(s.add(2)).toMatchObject({ window: [1, 2], fresh: [1, 2] });
    expect(s.evict()).toEqual([]);
    s.add(3);
    expect(s.add(4)).toMatchObject({ window: [1, 2, 3, 4], fresh: [3, 4] });
    expect(s.evict()).toEqual([1, 2]);
    s.add(5);
    expect(s.add(6)).toMatchObject({ window: [3, 4, 5, 6], fresh: [5, 6], expired: [1, 2] });
  });
});

describe('window spec validation', () => {
  it.each([
    [{ length: Count.of(0) }, /Count.of\(n\) needs an integer n >= 1/],
    [{ length: Duration.ofMillis(100), slide: Count.of(2) }, /both be counts or both durations/],
    [{ length: Duration.ofMillis(100), slide: Duration.ofMillis(200) }, /must not be longer than the length/],
    [{ length: Count.of(5), timestamp: 'ts' }, /event time .* needs duration windows/],
    [{ length: Duration.ofMillis(1001), slide: Duration.ofMillis(1000) }, /gcd is 1 ms/],
    [{ length: Duration.ofSeconds(1), maxLagMs: 5 }, /only applies to event-time/],
    [{ length: Duration.ofSeconds(1), idleFlushMs: 5000 }, /idleFlushMs only applies to event-time/],
    [{ length: Duration.ofSeconds(1), timestamp: 'ts', idleFlushMs: 50 }, /idleFlushMs \(50\) must be at least watermarkIntervalMs \(1000\)/],
    [{ length: Duration.ofSeconds(1), idleInputMs: 5000 }, /idleInputMs only applies to event-time/],
    [{ length: Duration.ofSeconds(1), timestamp: 'ts', idleInputMs: 500 }, /idleInputMs \(500\) must be at least watermarkIntervalMs \(1000\)/],
    [{ length: Duration.ofSeconds(1), timestamp: 'ts', idleInputMs: -1 }, /idleInputMs must be an integer >= 0/],
    [{ length: Duration.ofSeconds(1), lenght: 2 }, /unknown window key "lenght"/],
    [{ length: Duration.ofSeconds(1), timestamp: 42 }, /timestamp must be a field name or a function/],
    [{ length: 10 }, /length must be Count.of/],
  ])('%j is refused', (spec, message) => {
    expect(() => resolveWindow('w', spec as unknown as WindowSpec)).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_WINDOW', message: expect.stringMatching(message) }));
  });

  it('idleInputMs defaults to DEFAULT_WINDOW_IDLE_INPUT_MS, or two watermark intervals when longer', () => {
    expect(resolveWindow('w', { length: Duration.ofSeconds(10), timestamp: 'ts' }).idleInputMs).toBe(DEFAULT_WINDOW_IDLE_INPUT_MS);
    expect(resolveWindow('w', { length: Duration.ofSeconds(10), timestamp: 'ts', watermarkIntervalMs: 4000 }).idleInputMs).toBe(8000);
    expect(resolveWindow('w', { length: Duration.ofSeconds(10), timestamp: 'ts', idleInputMs: 1000 }).idleInputMs).toBe(1000);
  });

  it('a count window above maxTuples is a memory error', () => {
    expect(() => resolveWindow('w', { length: Count.of(200), maxTuples: 100 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_WINDOW_MEMORY' }));
  });
});

describe('watermarks', () => {
  // Channels not declared up front (watermark-channels.test.ts has the declared ones, which do count).
  it('are the smallest of the per-stream maxima, minus the lag; streams that never sent do not count', () => {
    const wm = new WatermarkTracker(5, 5000, []);
    expect(wm.current()).toBe(-Infinity);
    wm.observe(1, 'a', 100);
    expect(wm.current()).toBe(95);
    wm.observe(2, 'b', 40);
    wm.observe(1, 'a', 200);
    expect(wm.current()).toBe(35);
    wm.observe(2, 'b', 30);
    expect(wm.current()).toBe(35);
  });
});
