import { BaseBasicBolt, BaseRichBolt, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import type { CrashReport } from '../crash-counts.js';
import type { Engine } from '../engine.js';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, SpoutProbe } from './timing-fixtures.js';

/*
 * What a worker dying in the middle of an execute reports (Engine.crashReport, taken from a
 * process.exit in cluster/worker.ts): the spout message of the input being executed, for a basic
 * bolt (whose task keeps its collector, which holds the input, as the current execute) and a rich one.
 */

let engine: Engine | undefined;

/** Takes the crash report from inside its execute, as a process.exit there would. */
class ReportingBasic extends BaseBasicBolt {
  constructor(private readonly seen: CrashReport[]) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple, _c: BasicOutputCollector): void {
    this.seen.push(engine!.crashReport());
  }
}

class ReportingRich extends BaseRichBolt {
  constructor(private readonly seen: CrashReport[]) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    this.seen.push(engine!.crashReport());
    this.collector.ack(t);
  }
}

describe('crash report during an execute', () => {
  afterEach(() => {
    engine = undefined;
  });

  for (const kind of ['basic', 'rich'] as const) {
    it(`names the message a ${kind} bolt is executing, and nothing once it returned`, async () => {
      const seen: CrashReport[] = [];
      const clock = new ManualClock();
      const probe = new SpoutProbe(clock);
      probe.plan.push({ id: 'm1', at: 0 }, { id: 'm2', at: 0 });
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ProbeSpout(probe));
      b.setBolt('w', () => (kind === 'basic' ? new ReportingBasic(seen) : new ReportingRich(seen))).shuffleGrouping('s');
      const run = new ManualEngine(b.build({ name: 'crash-report', config: { ackers: 1 } }), {}, clock);
      engine = run.engine;
      await run.start();
      await run.runUntil(() => probe.acks.length === 2, 1000);
      expect(seen.map((r) => r.suspects.map((s) => `${s.spout}:${s.key}:${s.bolt}`))).toEqual([['s:s:m1:w'], ['s:s:m2:w']]);
      expect(engine.crashReport().suspects).toEqual([]);
      await run.close();
    });
  }
});
