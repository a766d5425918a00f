import { Fields } from '../../api/fields.js';
import type { GroupingSpec } from '../../api/types.js';
import { makeChooser, type ChooserContext } from '../groupings.js';
import { bucketOf, hashFields } from '../hash.js';
import { SeededIds } from '../ids.js';

const tasks = [4, 5, 6, 7];

function chooser(spec: GroupingSpec, extra: Partial<ChooserContext> = {}) {
  const rng = new SeededIds(3);
  const c = makeChooser(spec, {
    sourceComponent: 'src', sourceTask: 1, streamId: 'default', targetComponent: 'dst',
    targetTasks: tasks, localTasks: tasks, fields: new Fields(['k', 'v']), random: () => rng.random(), ...extra,
  });
  if (c === null) throw new Error('no chooser');
  return c;
}

describe('groupings', () => {
  it('shuffle spreads evenly over every task', () => {
    const c = chooser({ type: 'shuffle' });
    const counts = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const t = c.chooseOne(['x', i]);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(tasks);
    for (const n of counts.values()) expect(n).toBe(1000); // round robin over reshuffled passes
  });

  it('fields sends equal values to the same task and uses every task', () => {
    const c = chooser({ type: 'fields', fields: ['k'] });
    const where = new Map<string, number>();
    const used = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const k = `key${i % 200}`;
      const t = c.chooseOne([k, i]);
      if (where.has(k)) expect(t).toBe(where.get(k));
      where.set(k, t);
      used.add(t);
    }
    expect([...used].sort()).toEqual(tasks);
    // a second chooser (another source task or process) agrees: the hash is stable
    const c2 = chooser({ type: 'fields', fields: ['k'] }, { sourceTask: 2 });
    for (const [k, t] of where) expect(c2.chooseOne([k, 0])).toBe(t);
  });

  it('fields on one field picks tasks[hash % n] of the stable hash, for every kind of value (the wire contract)', () => {
    // Pinned: every worker of a cluster (and the previous release) must put a key on the same task.
    expect(hashFields(['the'], [0])).toBe(3305589240);
    expect(hashFields(['word'], [0])).toBe(3956802879);
    expect(hashFields(['\u00fcn\u00efcode'], [0])).toBe(3362576538);
    expect(hashFields([42], [0])).toBe(3110992366);
    expect(hashFields([3.5], [0])).toBe(23175433);
    expect(hashFields([10n], [0])).toBe(3713741236);
    expect(hashFields([{ b: 1, a: 2 }], [0])).toBe(521476787);
    const values: unknown[] = ['the', 'word', '', '\u00fcn\u00efcode', 42, -7, 3.5, 2 ** 40, true, false, null, undefined, 10n, { b: 1, a: 2 }, [1, 'x']];
    for (let i = 0; i < 300; i++) values.push(`key${i}`);
    for (let n = 1; n <= 7; n++) {
      const ts = Array.from({ length: n }, (_, k) => 10 + k);
      for (const field of [0, 1]) {
        const c = chooser({ type: 'fields', fields: [field === 0 ? 'k' : 'v'] }, { targetTasks: ts, localTasks: ts });
        const rows = values.map((v) => (field === 0 ? [v, 'other'] : ['other', v]));
        expect(rows.map((row) => c.chooseOne(row))).toEqual(rows.map((row) => ts[hashFields(row, [field]) % n]));
      }
    }
  });

  it('bucketOf is the remainder of the hash as an unsigned 32-bit number', () => {
    const rng = new SeededIds(11);
    const hs = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 - 2];
    for (let i = 0; i < 2000; i++) hs.push(Math.floor(rng.random() * 2 ** 32));
    for (const n of [1, 2, 3, 4, 5, 7, 10, 64, 1000, 65_537, 2 ** 29 + 3]) {
      const want = hs.map((h) => h % n);
      expect(hs.map((h) => bucketOf(h, n))).toEqual(want);
      expect(hs.map((h) => bucketOf(h | 0, n))).toEqual(want); // the same bits as an int32
    }
  });

  it('fields over several fields depends on all of them', () => {
    const c = chooser({ type: 'fields', fields: ['k', 'v'] });
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(c.chooseOne(['same', i]));
    expect(seen.size).toBeGreaterThan(1);
    expect(c.chooseOne(['a', 1])).toBe(c.chooseOne(['a', 1]));
  });

  it('partialKey sends each key to at most two tasks and balances a hot key', () => {
    const c = chooser({ type: 'partialKey', fields: ['k'] });
    const tasksOf = new Map<string, Set<number>>();
    const load = new Map<number, number>();
    for (let i = 0; i < 4000; i++) {
      const k = i % 2 === 0 ? 'hot' : `k${i % 50}`;
      const t = c.chooseOne([k, i]);
      if (!tasksOf.has(k)) tasksOf.set(k, new Set());
      tasksOf.get(k)!.add(t);
      load.set(t, (load.get(t) ?? 0) + 1);
    }
    for (const s of tasksOf.values()) expect(s.size).toBeLessThanOrEqual(2);
    expect(tasksOf.get('hot')!.size).toBe(2);
  });

  it('all sends to every task; global to the lowest; localOrShuffle prefers local tasks', () => {
    expect(chooser({ type: 'all' }).chooseMany(['a', 1])).toEqual(tasks);
    expect(chooser({ type: 'global' }).chooseOne(['a', 1])).toBe(4);
    const local = chooser({ type: 'localOrShuffle' }, { localTasks: [6] });
    for (let i = 0; i < 10; i++) expect(local.chooseOne(['a', i])).toBe(6);
    expect(makeChooser({ type: 'direct' }, {
      sourceComponent: 's', sourceTask: 1, streamId: 'd', targetComponent: 't', targetTasks: tasks, localTasks: tasks,
      fields: new Fields(['k']), random: Math.random,
    })).toBeNull();
  });

  it('custom grouping results are checked against the target tasks', () => {
    const ok = chooser({ type: 'custom', grouping: { chooseTasks: (_s, v) => [tasks[(v[1] as number) % 4]!] } });
    expect(ok.chooseMany(['a', 2])).toEqual([6]);
    const bad = chooser({ type: 'custom', grouping: { chooseTasks: () => [99] } });
    expect(() => bad.chooseMany(['a', 1])).toThrow(/chose task 99/);
  });
});
