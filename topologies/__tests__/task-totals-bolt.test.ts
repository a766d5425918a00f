// TaskTotalsBolt on its own, driven by hand: a set of end markers may mix attempts of the
// end-of-input tree, and the sums must keep every attempt's tree open (anchored to every marker
// held) so that a sum lost downstream fails a tree still pending.
import { isDataError, type OutputCollector, type TopologyContext, type Tuple } from '@gale/runtime';
import { TaskTotalsBolt } from '../task-totals-bolt.js';

interface Emitted { values: unknown[]; anchors: Tuple[] }

function harness(): { bolt: TaskTotalsBolt; emitted: Emitted[]; invalid: Emitted[]; acked: Tuple[]; failed: Tuple[]; errors: unknown[] } {
  const emitted: Emitted[] = [];
  const invalid: Emitted[] = [];
  const acked: Tuple[] = [];
  const failed: Tuple[] = [];
  const errors: unknown[] = [];
  const collector = {
    emit: (values: unknown[], anchors?: Tuple | readonly Tuple[]) => {
      emitted.push({ values, anchors: anchors === undefined ? [] : Array.isArray(anchors) ? [...anchors] : [anchors as Tuple] });
    },
    emitStream: (stream: string, values: unknown[], anchor: Tuple) => {
      if (stream !== 'invalid') throw new Error(`unexpected stream ${stream}`);
      invalid.push({ values, anchors: [anchor] });
    },
    ack: (t: Tuple) => acked.push(t),
    fail: (t: Tuple) => failed.push(t),
    reportError: (e: unknown) => errors.push(e),
  } as unknown as OutputCollector;
  const context = {
    thisComponentId: 'count',
    thisSources: () => [
      { component: 'split', stream: 'default', grouping: { type: 'fields', fields: ['part'] }, tasks: [3, 4] },
      { component: 'split', stream: 'end', grouping: { type: 'all' }, tasks: [3, 4] },
    ],
  } as unknown as TopologyContext;
  const bolt = new TaskTotalsBolt({ flushOn: 'end' });
  bolt.prepare(context, collector);
  return { bolt, emitted, invalid, acked, failed, errors };
}

let seq = 0;
function tuple(sourceTask: number, stream: string, values: unknown[], root = ++seq): Tuple {
  return { id: ++seq, sourceTask, sourceStreamId: stream, values, messageId: `{${root}:${seq.toString(16).padStart(16, '0')}}`, isTick: () => false } as unknown as Tuple;
}

describe('TaskTotalsBolt', () => {
  it('sums the latest total per task, anchored to every held marker, across attempts of the end tree', () => {
    const h = harness();
    h.bolt.execute(tuple(3, 'default', [0, ['a'], [2]]));
    h.bolt.execute(tuple(4, 'default', [0, ['a'], [5]]));
    const m1a1 = tuple(3, 'end', [], 1001); // split 3's marker, first attempt (tree 1001)
    const m1a2 = tuple(3, 'end', [], 1002); // split 3's marker again, the replay (tree 1002; split 4's first one is late)
    h.bolt.execute(m1a1);
    h.bolt.execute(tuple(3, 'default', [0, ['a'], [2]])); // the replay re-sends whole totals: replaced, not added
    h.bolt.execute(m1a2);
    expect(h.emitted).toEqual([]);
    const m2a1 = tuple(4, 'end', [], 1001);
    h.bolt.execute(m2a1);
    // Anchored to one marker per tree: both attempts' trees stay open until the sums are done.
    expect(h.emitted).toEqual([{ values: [['a'], [7]], anchors: [m1a1, m1a2] }]);
    // The markers are acked only after the sums went out anchored to them.
    expect(h.acked.filter((t) => t.sourceStreamId === 'end')).toEqual([m1a1, m1a2, m2a1]);
    // The next set starts empty: split 4's replayed marker alone does not flush.
    const m2a2 = tuple(4, 'end', [], 1002);
    h.bolt.execute(m2a2);
    expect(h.emitted).toHaveLength(1);
    expect(h.acked).not.toContain(m2a2);
  });

  it('acks a total that is not a finite number (bad data: a replay would loop), emits it on "invalid", reports it, and keeps the old total', () => {
    const h = harness();
    h.bolt.execute(tuple(3, 'default', [0, ['a'], [2]]));
    const bad = tuple(3, 'default', [0, ['b', 'a'], [1, 'x']]);
    (bad as unknown as { sourceComponent: string }).sourceComponent = 'split';
    h.bolt.execute(bad);
    expect(h.failed).toEqual([]);
    expect(h.acked).toContain(bad);
    expect(h.invalid).toEqual([{ values: ['split', 'default', [0, ['b', 'a'], [1, 'x']], 'the total for "a" is not a finite number'], anchors: [bad] }]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]).toEqual(expect.objectContaining({ code: 'GALE_ERR_BAD_AMOUNT', name: 'BadAmountError' }));
    expect(isDataError(h.errors[0])).toBe(true);
    h.bolt.execute(tuple(3, 'end', [], 7));
    h.bolt.execute(tuple(4, 'end', [], 7));
    expect(h.emitted).toEqual([{ values: [['a'], [2]], anchors: [expect.objectContaining({ sourceTask: 3 })] }]);
  });

  it('takes every key of a tuple; keys and totals that are not two arrays of one length are bad data, none taken', () => {
    const h = harness();
    h.bolt.execute(tuple(3, 'default', [1, ['a', 'b', 'c'], [1, 2, 3]]));
    h.bolt.execute(tuple(4, 'default', [1, ['c', 'a'], [10, 20]]));
    const shapes = [[1, ['a', 'b'], [5]], [1, 'a', [5]], [1, ['a'], 5], [1, ['a']]];
    for (const values of shapes) h.bolt.execute(tuple(4, 'default', values));
    expect(h.invalid.map((e) => e.values[3])).toEqual([
      '2 keys and 1 totals',
      'the keys and totals (fields 1 and 2) are not two arrays',
      'the keys and totals (fields 1 and 2) are not two arrays',
      'the keys and totals (fields 1 and 2) are not two arrays',
    ]);
    expect(h.errors).toHaveLength(4);
    h.bolt.execute(tuple(3, 'end', [], 7));
    h.bolt.execute(tuple(4, 'end', [], 7));
    expect(h.emitted.map((e) => e.values)).toEqual([[['a', 'b', 'c'], [21, 2, 13]]]);
  });

  it('sends at most 16,384 keys a tuple', () => {
    const h = harness();
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}`);
    h.bolt.execute(tuple(3, 'default', [0, keys, keys.map((_, i) => i)]));
    h.bolt.execute(tuple(4, 'default', [0, keys.slice(0, 10), keys.slice(0, 10).map(() => 1)]));
    h.bolt.execute(tuple(3, 'end', [], 7));
    h.bolt.execute(tuple(4, 'end', [], 7));
    expect(h.emitted.map((e) => (e.values[0] as unknown[]).length)).toEqual([16_384, 16_384, 40_000 - 2 * 16_384]);
    const sums = new Map<unknown, unknown>();
    for (const e of h.emitted) (e.values[0] as unknown[]).forEach((k, i) => sums.set(k, (e.values[1] as unknown[])[i]));
    expect(sums.size).toBe(40_000);
    expect(keys.every((k, i) => sums.get(k) === i + (i < 10 ? 1 : 0))).toBe(true);
  });
});
