import {
  BaseBasicBolt, BaseRichBolt, LocalCluster, TopologyBuilder, completeTopology, FixedTupleSpout, type BasicOutputCollector,
  type OutputFieldsDeclarer, type TopologyContext, type Tuple, type OutputCollector,
} from '@gale/runtime';

/** Emits [value, its own task id] so tests can see where tuples went. */
class WhoAmI extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['value', 'task']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    c.emit([t.getValue(0), this.context.thisTaskId]);
  }
}

const source = (n: number) => Array.from({ length: n }, (_, i) => [`k${i % 10}`]);

describe('groupings end to end', () => {
  it('all: every task sees every tuple; global: only the lowest task', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['key']));
    b.setBolt('all', new WhoAmI(), 3).allGrouping('s');
    b.setBolt('global', new WhoAmI(), 3).globalGrouping('s');
    const out = await completeTopology(b.build({ name: 'ag' }), { mockedSources: { s: source(30) } });
    const allTasks = new Map<number, number>();
    for (const [, task] of out.emitted('all')) allTasks.set(task as number, (allTasks.get(task as number) ?? 0) + 1);
    expect(allTasks.size).toBe(3);
    for (const n of allTasks.values()) expect(n).toBe(30);
    const globalTasks = new Set(out.emitted('global').map((v) => v[1]));
    expect(globalTasks.size).toBe(1);
  });

  it('fields: same key always the same task; numTasks > parallelism spreads tasks over executors', async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['key']));
    b.setBolt('f', new WhoAmI(), { parallelism: 2, numTasks: 4 }).fieldsGrouping('s', ['key']);
    const out = await completeTopology(b.build({ name: 'fg' }), { mockedSources: { s: source(100) } });
    const taskOf = new Map<unknown, Set<unknown>>();
    for (const [k, task] of out.emitted('f')) {
      if (!taskOf.has(k)) taskOf.set(k, new Set());
      taskOf.get(k)!.add(task);
    }
    for (const s of taskOf.values()) expect(s.size).toBe(1);
    expect(new Set([...taskOf.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
  });

  it('direct: the emitter chooses the task; invalid targets are rejected with a clear error', async () => {
    class Director extends BaseRichBolt {
      private targets: number[] = [];
      override prepare(ctx: TopologyContext, c: OutputCollector): void {
        super.prepare(ctx, c);
        this.targets = ctx.componentTasks('d');
      }
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['value'], true);
      }
      execute(t: Tuple): void {
        const v = t.getValue(0) as string;
        if (v === 'bad') {
          this.collector.emitDirect(9999, [v], t);
        } else {
          this.collector.emitDirect(this.targets[this.targets.length - 1]!, [v], t);
        }
        this.collector.ack(t);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new FixedTupleSpout([], ['key']));
    b.setBolt('dir', new Director()).shuffleGrouping('s');
    b.setBolt('d', new WhoAmI(), 3).directGrouping('dir');
    const out = await completeTopology(b.build({ name: 'dg' }), { mockedSources: { s: source(20) } });
    const tasks = new Set(out.emitted('d').map((v) => v[1]));
    expect(tasks.size).toBe(1);

    const errors: string[] = [];
    const bb = new TopologyBuilder();
    bb.setSpout('s', new FixedTupleSpout([['bad']], ['key']));
    bb.setBolt('dir', new Director()).shuffleGrouping('s');
    bb.setBolt('d', new WhoAmI(), 3).directGrouping('dir');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(bb.build({ name: 'dg-bad' }), { onError: (e) => errors.push(e.message) });
      expect([...tasks][0]).toBe(Math.max(...t.engine.tasksOf.get('d')!));
      expect(await t.waitUntil(() => errors.length > 0, 10_000)).toBe(true);
      expect(errors[0]).toMatch(/emitDirect to task 9999 on stream "default", but no direct-grouped subscriber has that task/);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
