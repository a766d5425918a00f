import {
  BaseRichSpout, ComponentError, DataError, FixedTupleSpout, TopologyBuilder, WINDOW_INVALID_FIELDS, completeTopology, isDataError,
  type OutputFieldsDeclarer, type Values,
} from '@gale/runtime';
import { BadAmountError, CountBolt } from '@gale/bolt-kit';
import { ReplayLog, ReplayingSpout, runUntilDone } from '../../__tests__/replaying-spout.js';

const words = 'a b a c b a d a b c e'.split(' ');

function build(count: CountBolt, tuples: Values[], fields: string[] = ['word'], key = 'word') {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout(tuples, fields));
  b.setBolt('count', count, 3).fieldsGrouping('src', [key]);
  return b.build({ name: 'count' });
}

/** Highest count emitted per key: the final count, since each key's counts rise in order. */
function finals(emitted: Values[]): Record<string, number> {
  const m: Record<string, number> = {};
  for (const [k, n] of emitted) m[String(k)] = Math.max(m[String(k)] ?? 0, n as number);
  return m;
}

describe('CountBolt', () => {
  it('emits [key, newCount] on every update', async () => {
    const out = await completeTopology(build(new CountBolt(), words.map((w) => [w])));
    const emitted = out.emitted('count');
    expect(emitted).toHaveLength(words.length);
    expect(finals(emitted)).toEqual({ a: 4, b: 3, c: 2, d: 1, e: 1 });
    // Per key, counts arrive as 1, 2, 3, ...
    expect(emitted.filter(([k]) => k === 'a').map(([, n]) => n)).toEqual([1, 2, 3, 4]);
  });

  it('emits nothing when emit is false', async () => {
    const out = await completeTopology(build(new CountBolt({ emit: false }), words.map((w) => [w])));
    expect(out.emitted('count')).toEqual([]);
  });

  it('counts another field and names its outputs', async () => {
    const tuples = words.map((w, i) => [i, w]);
    const topology = build(new CountBolt({ keyField: 'tag', outputFields: ['key', 'n'] }), tuples, ['id', 'tag'], 'tag');
    expect(topology.components.get('count')!.streams.get('default')!.fields.names).toEqual(['key', 'n']);
    const out = await completeTopology(topology);
    expect(finals(out.emitted('count'))).toEqual({ a: 4, b: 3, c: 2, d: 1, e: 1 });
  });

  it('defaults its output fields to [keyField, count]', () => {
    const b = new TopologyBuilder();
    b.setSpout('src', new FixedTupleSpout([], ['user']));
    b.setBolt('count', new CountBolt({ keyField: 'user' })).fieldsGrouping('src', ['user']);
    expect(b.build({ name: 'c' }).components.get('count')!.streams.get('default')!.fields.names).toEqual(['user', 'count']);
  });

  it('refuses at build() an input without the key or amount field (a wiring mistake, not a per-tuple failure)', () => {
    // Before, the topology ran and every tuple failed GALE_ERR_UNKNOWN_FIELD, each replayed for ever.
    const wire = (count: CountBolt): (() => unknown) => () => {
      const b = new TopologyBuilder();
      b.setSpout('src', new FixedTupleSpout([['x', 1]], ['other', 'n']));
      b.setBolt('count', count).shuffleGrouping('src');
      return b.build({ name: 'c' });
    };
    expect(wire(new CountBolt())).toThrow(expect.objectContaining({
      code: 'GALE_ERR_UNKNOWN_FIELD',
      message: 'bolt "count" (CountBolt) reads field "word" (option keyField) of its input "src"/"default", which declares only [other, n]; set keyField to one of those fields, or declare "word" on that stream',
    }));
    expect(wire(new CountBolt({ keyField: 'other', amountField: 'amount' }))).toThrow(/reads field "amount" \(option amountField\)/);
    expect(wire(new CountBolt({ keyField: 'other', amountField: 'n' }))).not.toThrow();
  });

  it('adds the amountField number instead of 1 (merging a combiner\'s partial counts)', async () => {
    const partials: Values[] = [['a', 3], ['b', 1], ['a', 2], ['c', 0], ['b', 4], ['a', 0.5]];
    const out = await completeTopology(build(new CountBolt({ amountField: 'n' }), partials, ['word', 'n']));
    const emitted = out.emitted('count');
    expect(emitted).toHaveLength(partials.length);
    expect(finals(emitted)).toEqual({ a: 5.5, b: 5, c: 0 });
    expect(emitted.filter(([k]) => k === 'a').map(([, n]) => n)).toEqual([3, 5, 5.5]);
  });

  describe('an amount that is not a finite number (bad data)', () => {
    function badAmounts(count: CountBolt, rows: Values[], log: ReplayLog) {
      const b = new TopologyBuilder();
      const spout = new ReplayingSpout(['word', 'n'], rows, log);
      b.setSpout('src', () => spout);
      b.setBolt('count', count).shuffleGrouping('src');
      return b.build({ name: 'bad-amounts' });
    }

    it('is acked once, emitted on "invalid" with the windows\' fields, reported once as a DataError without a stack; nothing added, the run ends', async () => {
      const log = new ReplayLog();
      const rows: Values[] = [['a', 2], ['a', '3'], ['b', Number.NaN], ['a', 1]];
      const topology = badAmounts(new CountBolt({ amountField: 'n' }), rows, log);
      expect(topology.components.get('count')!.streams.get('invalid')!.fields.names).toEqual([...WINDOW_INVALID_FIELDS]);
      const r = await runUntilDone(topology);
      expect(r.done).toBe(true);
      expect(log.totalFails()).toBe(0);
      expect(log.emits).toBe(4);
      expect([...log.acks.values()]).toEqual([1, 1, 1, 1]);
      expect(r.emitted('count', 'default')).toEqual([['a', 2], ['a', 3]]);
      expect(r.emitted('count', 'invalid')).toEqual([
        ['src', 'default', ['a', '3'], 'field "n" of the input for "a" is "3", not a finite number'],
        ['src', 'default', ['b', Number.NaN], 'field "n" of the input for "b" is NaN, not a finite number'],
      ]);
      expect(r.errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/CountBolt "count": field "n" of the input for "a" is "3", not a finite number; nothing added, the tuple is emitted on stream "invalid" and acked/),
        expect.stringMatching(/is NaN, not a finite number/),
      ]);
      expect(r.errors.every((e) => e.stack === undefined)).toBe(true);
    });

    it('is a BadAmountError: GALE_ERR_BAD_AMOUNT, a DataError and still a ComponentError', () => {
      const e = new BadAmountError('x');
      expect(e).toBeInstanceOf(DataError);
      expect(e).toBeInstanceOf(ComponentError);
      expect(e.code).toBe('GALE_ERR_BAD_AMOUNT');
      expect(isDataError(e)).toBe(true);
    });

    it('goes to invalidStream when set; a name clashing with its output stream is refused at build', async () => {
      const log = new ReplayLog();
      const r = await runUntilDone(badAmounts(new CountBolt({ amountField: 'n', invalidStream: 'bad-n' }), [['a', 'x']], log));
      expect(r.done).toBe(true);
      expect(r.emitted('count', 'bad-n')).toHaveLength(1);
      expect(() => badAmounts(new CountBolt({ amountField: 'n', invalidStream: 'default' }), [], new ReplayLog())).toThrow(
        expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/declares stream "default" twice: CountBolt .* set its invalidStream option/) }),
      );
      expect(() => new CountBolt({ amountField: 'n', invalidStream: '__bad' })).toThrow(/invalidStream must be a non-empty stream id/);
      expect(() => new CountBolt({ invalidStream: 'x' })).toThrow(/invalidStream only applies with amountField/);
    });

    it('declares no invalid stream without amountField (nothing to be bad)', () => {
      expect([...build(new CountBolt(), []).components.get('count')!.streams.keys()]).toEqual(['default']);
    });
  });

  describe('flushOn', () => {
    /** Emits `tuples` (message ids), then once all are acked `[flushes left]` on stream `flush`, `flushes` times. */
    class WordsThenFlush extends BaseRichSpout {
      private next = 0;
      private unacked = 0;
      private flushed = 0;
      constructor(private readonly tuples: readonly Values[], private readonly flushes: number) {
        super();
      }
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['word', 'n']);
        d.declareStream('flush', ['at']);
      }
      nextTuple(): void {
        if (this.next < this.tuples.length) {
          this.unacked++;
          this.collector.emit(this.tuples[this.next]!, this.next++);
        } else if (this.unacked === 0 && this.flushed < this.flushes) {
          this.collector.emitStream('flush', [this.flushed], `flush-${this.flushed++}`);
        }
      }
      override ack(id: unknown): void {
        if (typeof id === 'number') this.unacked--;
      }
      isExhausted(): boolean {
        return this.next === this.tuples.length && this.unacked === 0 && this.flushed === this.flushes;
      }
    }

    function flushTopology(flushes: number) {
      const b = new TopologyBuilder();
      b.setSpout('src', new WordsThenFlush([['a', 3], ['b', 1], ['a', 2], ['c', 1], ['b', 4]], flushes));
      b.setBolt('count', new CountBolt({ amountField: 'n', flushOn: 'flush' }), 2).fieldsGrouping('src', ['word']).allGrouping('src', 'flush');
      return b.build({ name: 'flush' });
    }

    it('emits nothing per update and the whole table, [key, count] per key, on each flush tuple', async () => {
      const once = await completeTopology(flushTopology(1));
      expect([...once.emitted('count')].sort()).toEqual([['a', 5], ['b', 5], ['c', 1]]);
      // A second flush (a replayed marker) sends the whole table again, not only what changed.
      const twice = await completeTopology(flushTopology(2));
      expect([...twice.emitted('count')].sort()).toEqual([['a', 5], ['a', 5], ['b', 5], ['b', 5], ['c', 1], ['c', 1]]);
    });

    it('rejects an empty stream id', () => {
      expect(() => new CountBolt({ flushOn: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/flushOn/) }));
    });
  });

  it('rejects bad options', () => {
    expect(() => new CountBolt({ keyField: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new CountBolt({ amountField: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/amountField/) }));
    expect(() => new CountBolt({ amountField: 3 as unknown as string })).toThrow(/amountField must be a non-empty string/);
    expect(() => new CountBolt({ outputFields: ['a'] as unknown as [string, string] })).toThrow(/exactly two/);
  });
});
