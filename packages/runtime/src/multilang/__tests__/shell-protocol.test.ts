// Storm's multilang protocol with real subprocesses, through gale's Python and Node adapters, in
// local mode: anchoring, several streams, direct emits, need_task_ids true and false, spout
// replay, heartbeats.
import {
  completeTopology, FixedTupleSpout, LocalCluster, ShellBolt, ShellSpout, TopologyBuilder,
} from '@gale/runtime';
import { node, python, received, Recorder } from './shell-fixtures.js';

const LINES = ['the quick brown fox', 'jumps over', 'the lazy dog', 'boom goes the fox', 'a b c d e f'];

const ADAPTERS = [
  { name: 'python', bolt: python('test_bolt.py', ['words']), spout: (n: number) => python('test_spout.py', [String(n)]) },
  { name: 'node', bolt: node('test-bolt.mjs'), spout: (n: number) => node('test-spout.mjs', [String(n)]) },
];

describe.each(ADAPTERS)('shell components through the $name adapter', (adapter) => {
  it('runs a bolt: anchored emits on several streams, task ids when asked, direct emits', async () => {
    const key = `${adapter.name}-bolt`;
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout(LINES.map((l) => [l]), ['line']));
    b.setBolt('split', new ShellBolt({
      ...adapter.bolt,
      outputs: { default: ['word'], ids: ['word', 'tasks'], lengths: ['length'], direct: { fields: ['line'], direct: true } },
    }), 2).shuffleGrouping('lines');
    // 'boom' fails once downstream: the anchored word fails its line's tree, which is replayed.
    b.setBolt('words', new Recorder(`${key}-words`, ['boom']), 3).fieldsGrouping('split', ['word']);
    b.setBolt('ids', new Recorder(`${key}-ids`)).shuffleGrouping('split', 'ids');
    b.setBolt('lengths', new Recorder(`${key}-lengths`)).shuffleGrouping('split', 'lengths');
    b.setBolt('dsink', new Recorder(`${key}-direct`), 2).directGrouping('split', 'direct');
    const captured = await completeTopology(b.build({ name: `ml-${adapter.name}` }), { timeoutMs: 30_000 });

    // Replay: the line with 'boom' went out twice, every other line once.
    const spoutEmits = captured.emitted('lines').map((v) => v[0]);
    expect(spoutEmits.filter((l) => l === 'boom goes the fox')).toHaveLength(2);
    expect(new Set(spoutEmits)).toEqual(new Set(LINES));
    expect(spoutEmits).toHaveLength(LINES.length + 1);

    // need_task_ids: each word's reply named exactly the task that received it.
    const words = received(`${key}-words`);
    const taskOf = new Map(words.map((r) => [r.values[0], r.task]));
    const idsRows = received(`${key}-ids`).map((r) => r.values as [string, number[]]);
    expect(idsRows.length).toBeGreaterThan(10);
    for (const [word, tasks] of idsRows) expect(tasks).toEqual([taskOf.get(word)]);

    // need_task_ids false: one length per line emitted, and no reply confused the adapter.
    expect(received(`${key}-lengths`).map((r) => r.values[0]).sort()).toEqual(
      [...LINES, 'boom goes the fox'].map((l) => l.length).sort());

    // Direct emits: each line reached the dsink task the subprocess chose (index length % 2).
    const dsinkTasks = [...new Set(received(`${key}-direct`).map((r) => r.task))].sort();
    for (const r of received(`${key}-direct`)) {
      const line = r.values[0] as string;
      expect(r.task).toBe(Math.min(...dsinkTasks) + (line.length % 2));
    }
    expect(received(`${key}-direct`)).toHaveLength(LINES.length + 1);
  });

  it('runs a spout: tracked emits, task ids, and replay of failed ids', async () => {
    const key = `${adapter.name}-spout`;
    const n = 30;
    const b = new TopologyBuilder();
    b.setSpout('numbers', new ShellSpout({ ...adapter.spout(n), outputs: { default: ['n'], ids: ['n', 'tasks'] } }));
    // Every multiple of 7 fails once: the spout is told (fail) and emits it again.
    b.setBolt('sink', new Recorder(`${key}-sink`, [7, 14, 21, 28]), 2).fieldsGrouping('numbers', ['n']);
    b.setBolt('ids', new Recorder(`${key}-ids`)).shuffleGrouping('numbers', 'ids');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: `mls-${adapter.name}` }));
      const done = await t.waitUntil(() => t.stats().find((s) => s.component === 'numbers')!.acked === n, 30_000);
      expect(done).toBe(true);
      const spout = t.stats().find((s) => s.component === 'numbers')!;
      expect(spout).toMatchObject({ acked: n, failed: 4 });
      const sink = received(`${key}-sink`).map((r) => r.values[0] as number);
      expect(sink.filter((v) => v % 7 === 0).sort((a, c) => a - c)).toEqual([7, 7, 14, 14, 21, 21, 28, 28]);
      expect(new Set(sink).size).toBe(n);
      const taskOf = new Map(received(`${key}-sink`).map((r) => [r.values[0], r.task]));
      const ids = received(`${key}-ids`).map((r) => r.values as [number, number[]]);
      expect(ids.length).toBeGreaterThanOrEqual(n / 2);
      for (const [v, tasks] of ids) {
        expect(v % 2).toBe(0);
        expect(tasks).toEqual([taskOf.get(v)]);
      }
      expect(t.errors()).toEqual([]);
    } finally {
      await cluster.shutdown(0);
    }
  });
});

describe('heartbeats', () => {
  it('an idle Python bolt answers heartbeat tuples and is not restarted', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout([['x y']], ['line']));
    const bolt = new ShellBolt({ ...python('test_bolt.py', ['words']), outputs: { default: ['word'], ids: ['word', 'tasks'], lengths: ['length'], direct: { fields: ['line'], direct: true } } });
    b.setBolt('split', bolt).shuffleGrouping('lines');
    b.setBolt('dsink', new Recorder('hb-direct')).directGrouping('split', 'direct');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'ml-heartbeat', config: { shellHeartbeatTimeoutMs: 1500 } }));
      expect(await t.waitUntilIdle(10_000)).toBe(true);
      // Idle for several timeouts: the heartbeats (every 750 ms here) keep it alive.
      const started = Date.now();
      await t.waitUntil(() => Date.now() - started > 5000, 10_000);
      expect(t.errors()).toEqual([]);
      expect(received('hb-direct')).toHaveLength(1);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
