import { BaseBasicBolt, FixedTupleSpout, TopologyBuilder, type OutputFieldsDeclarer, type TaskSource, type TopologyContext } from '@gale/runtime';
import { ManualEngine } from './manual-engine.js';

/** Records what each task's context says about its sources. */
class SourcesBolt extends BaseBasicBolt {
  constructor(private readonly seen: Map<number, TaskSource[]>) {
    super();
  }
  override prepare(context: TopologyContext): void {
    this.seen.set(context.thisTaskId, context.thisSources());
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['x']);
  }
  execute(): void {}
}

describe('TopologyContext.thisSources', () => {
  it('lists every subscription with the task ids of its source component (Storm getThisSources + tasks)', async () => {
    const seen = new Map<number, TaskSource[]>();
    const b = new TopologyBuilder();
    b.setSpout('a', () => new FixedTupleSpout([[1]], ['x']), 2);
    b.setSpout('b', () => new FixedTupleSpout([[1]], ['x']));
    b.setBolt('mid', () => new SourcesBolt(seen), 3).shuffleGrouping('a');
    b.setBolt('w', () => new SourcesBolt(seen), 2).fieldsGrouping('mid', ['x']).globalGrouping('b');
    const h = new ManualEngine(b.build({ name: 'sources' }));
    try {
      await h.start();
      // Task ids: components sorted by id from 1 (__acker first), as componentTasks lists them.
      const tasksOf = (id: string): number[] => h.engine.plan.tasksOf.get(id)!.slice();
      const w = tasksOf('w');
      expect(w).toHaveLength(2);
      for (const t of w) {
        expect(seen.get(t)).toEqual([
          { component: 'mid', stream: 'default', grouping: { type: 'fields', fields: ['x'] }, tasks: tasksOf('mid') },
          { component: 'b', stream: 'default', grouping: { type: 'global' }, tasks: tasksOf('b') },
        ]);
      }
      expect(tasksOf('mid')).toHaveLength(3);
      expect(seen.get(tasksOf('mid')[0]!)).toEqual([{ component: 'a', stream: 'default', grouping: { type: 'shuffle' }, tasks: tasksOf('a') }]);
      expect(tasksOf('a')).toHaveLength(2);
    } finally {
      await h.close();
    }
  });
});
