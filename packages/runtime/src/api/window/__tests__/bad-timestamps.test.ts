import {
  Count, DataError, GaleError, isDataError, BaseRichSpout, BaseWindowedBolt, Duration, TopologyBuilder, WINDOW_INVALID_STREAM, tumblingWindow,
  type OutputFieldsDeclarer, type Tuple, type WindowSpec,
} from '@gale/runtime';
import { ManualClock } from '../../../engine/testing/manual-time.js';
import { ManualEngine } from '../../../engine/__tests__/manual-engine.js';
import { RecordingBolt } from '../../../engine/__tests__/timing-fixtures.js';
import { IdBolt } from './window-id-fixtures.js';

/*
 * A tuple whose event time cannot be read is bad data, not a transient failure: failing it made a
 * replaying spout send it again forever (a poison-tuple hot loop). It is acked at once, emitted on
 * the `invalid` stream with the reason, and reported as a DataError (one log line, no stack,
 * rate-limited per code); the other tuples are windowed as usual and the run ends.
 */

const T = 1_000_000;

class Probe {
  readonly emits: string[] = [];
  readonly acks: { id: string; at: number }[] = [];
  readonly fails: string[] = [];
  readonly windows: string[][] = [];
  readonly invalid: { values: unknown[]; at: number }[] = [];
  constructor(readonly clock: ManualClock) {}
}

/** Emits [id, ts] at its first poll at or after `at`; a failed id is emitted again at once, as a replaying spout does. */
class ReplayingSpout extends BaseRichSpout {
  private readonly replays: { id: string; ts: unknown }[] = [];
  constructor(private readonly plan: { id: string; at: number; ts: unknown }[], private readonly probe: Probe) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'ts']);
  }
  nextTuple(): void {
    const p = this.replays.shift() ?? (this.plan[0] !== undefined && this.plan[0].at <= this.probe.clock.now() ? this.plan.shift() : undefined);
    if (p === undefined) return;
    this.probe.emits.push(p.id);
    this.collector.emit([p.id, p.ts], p);
  }
  override ack(msg: unknown): void {
    this.probe.acks.push({ id: (msg as { id: string }).id, at: this.probe.clock.now() });
  }
  override fail(msg: unknown): void {
    this.probe.fails.push((msg as { id: string }).id);
    this.replays.push(msg as { id: string; ts: unknown });
  }
}

const byExtractor = (t: Tuple): number => (t.getValue(0) === 'bad' ? Number.NaN : Number(t.getValue(1)));
const throwsOnBad = (t: Tuple): number => {
  if (t.getValue(0) === 'bad') throw new Error('no time in bad');
  return Number(t.getValue(1));
};

describe.each([['tuple window', false], ['event-time panes', true]])('%s: a tuple whose event time cannot be read', (_name, usePanes) => {
  let h: ManualEngine | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  function start(clock: ManualClock, probe: Probe, plan: { id: string; at: number; ts: unknown }[], timestamp: WindowSpec['timestamp'] = 'ts'): Promise<void> {
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ReplayingSpout(plan, probe));
    b.setBolt('w', () => new IdBolt(tumblingWindow(Duration.ofSeconds(1), { timestamp, watermarkIntervalMs: 100, idleFlushMs: 500 }), (_end, ids) => probe.windows.push(ids), usePanes)).shuffleGrouping('s');
    b.setBolt('bad', () => new RecordingBolt(probe.invalid, clock)).shuffleGrouping('w', WINDOW_INVALID_STREAM);
    h = new ManualEngine(b.build({ name: 'bad-ts', config: { maxSpoutPending: 100 } }), {}, clock);
    return h.start();
  }

  it.each([
    ['missing (undefined)', undefined, 'ts', 'field "ts" gave undefined, not a finite number of epoch ms'],
    ['not a number', 'noon', 'ts', 'field "ts" gave "noon", not a finite number of epoch ms'],
    ['NaN from the extractor', T + 300, byExtractor, 'the timestamp extractor gave NaN, not a finite number of epoch ms'],
    ['beyond epoch ms (ns)', 1_733_000_000_000_000_000, 'ts', 'field "ts" gave 1.733e+18, beyond epoch milliseconds'],
    ['the extractor throws', T + 300, throwsOnBad, 'the timestamp extractor threw: no time in bad'],
  ] as const)('%s: acked at once, emitted on "invalid" with the reason, reported; never failed or replayed; the run ends', async (_case, badTs, timestamp, reason) => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const plan = [{ id: 'a', at: 10, ts: T + 100 }, { id: 'bad', at: 20, ts: badTs }, { id: 'b', at: 30, ts: T + 1500 }];
    await start(clock, probe, plan, timestamp);
    // The run ends: every tuple acked (a, b when their windows close after the idle flush).
    expect(await h!.runUntil(() => probe.acks.length === 3, 3000)).toBe(true);
    expect(probe.acks.find((x) => x.id === 'bad')).toEqual({ id: 'bad', at: 20 });
    expect(probe.windows).toEqual([['a'], ['b']]);
    expect(probe.invalid).toEqual([{ values: ['s', 'default', ['bad', badTs], expect.stringContaining(reason)], at: 20 }]);
    const errors = h!.engine.errors();
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining(`windowed bolt "w": ${reason}`)]);
    expect(errors[0]!.message).toMatch(/; the tuple is emitted on stream "invalid" and acked$/);
    expect(errors[0]!.stack).toBeUndefined();
    // Nothing replays: a second of manual time later the spout has emitted each tuple once.
    await h!.runUntil(() => false, 1000);
    expect({ fails: probe.fails, emits: probe.emits }).toEqual({ fails: [], emits: ['a', 'bad', 'b'] });
    expect(h!.engine.stats().find((s) => s.component === 's')).toMatchObject({ failed: 0, replayed: 0 });
    // One log line per error, without the stack (gale's frames, not the user's code).
    expect(h!.logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['component error']);
  });

  it('a steady flow of bad tuples does not hold the idle flush off: the last window fires and is acked meanwhile', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    // One good tuple, then a bad one every 200 ms for 8 s (idleFlushMs is 500).
    const plan = [{ id: 'a', at: 10, ts: T + 100 }, ...Array.from({ length: 40 }, (_, i) => ({ id: `bad${i}`, at: 200 + i * 200, ts: 'noon' }))];
    await start(clock, probe, plan);
    expect(await h!.runUntil(() => probe.acks.some((x) => x.id === 'a'), 2000)).toBe(true);
    expect(probe.windows).toEqual([['a']]);
    expect(probe.acks.find((x) => x.id === 'a')!.at).toBeLessThan(1500);
  });

  it('a flood of distinct bad values is counted in full but logged at most 10 times a second', async () => {
    const clock = new ManualClock();
    const probe = new Probe(clock);
    const plan = Array.from({ length: 30 }, (_, i) => ({ id: `bad${i}`, at: 10, ts: `t${i}` }));
    await start(clock, probe, plan);
    expect(await h!.runUntil(() => probe.acks.length === 30, 1000)).toBe(true);
    expect(probe.invalid).toHaveLength(30);
    expect(h!.engine.stats().find((s) => s.component === 'w')).toMatchObject({ errors: 30 });
    expect(h!.logs.filter((l) => l.msg === 'component error')).toHaveLength(10);
    expect(probe.fails).toEqual([]);
  });
});

describe('the streams an event-time window declares', () => {
  class OwnInvalid extends BaseWindowedBolt {
    declareOutputFields(d: OutputFieldsDeclarer): void {
      d.declare(['n']);
      d.declareStream('invalid', ['line', 'reason']);
    }
    execute(): void {}
  }

  it('a bolt declaring "invalid" itself is told to rename it or set invalidStream; with invalidStream set, both streams exist', () => {
    const build = (spec: WindowSpec): unknown => {
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ReplayingSpout([], new Probe(new ManualClock())));
      b.setBolt('w', () => new OwnInvalid(spec)).shuffleGrouping('s');
      return b.build({ name: 'own-invalid', config: { maxSpoutPending: 10 } });
    };
    const window = tumblingWindow(Duration.ofSeconds(1), { timestamp: 'ts' });
    expect(() => build(window)).toThrow(expect.objectContaining({
      code: 'GALE_ERR_BAD_WINDOW',
      message: expect.stringMatching(/declares stream "invalid" twice: its event-time window declares "invalid" for its invalid tuples .* set the window's invalidStream/),
    }));
    expect(() => build({ ...window, invalidStream: 'bad-ts' })).not.toThrow();
    expect(() => build({ ...window, invalidStream: 'late' })).toThrow(/invalidStream and lateStream must differ/);
    expect(() => build({ length: Duration.ofSeconds(1), invalidStream: 'x' })).toThrow(/invalidStream only applies to event-time windows/);
    // A processing-time or count window has no invalid stream: its lateStream may be named "invalid" (it was before).
    const ownLate = (spec: WindowSpec): unknown => {
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ReplayingSpout([], new Probe(new ManualClock())));
      b.setBolt('w', () => new IdBolt(spec, () => undefined, false)).shuffleGrouping('s');
      return b.build({ name: 'late-named-invalid', config: { maxSpoutPending: 10 } });
    };
    expect(() => ownLate(tumblingWindow(Duration.ofSeconds(1), { lateStream: 'invalid' }))).not.toThrow();
    expect(() => ownLate({ length: Count.of(5), lateStream: 'invalid' })).not.toThrow();
  });

  it('a subclass of DataError is a data error too (one line, no stack)', () => {
    class ParseError extends DataError {}
    expect(isDataError(new ParseError('GALE_ERR_PARSE', 'bad line'))).toBe(true);
    expect(isDataError(new GaleError('GALE_ERR_X', 'not data'))).toBe(false);
  });
});
