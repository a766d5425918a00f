import {
  BaseBasicBolt, BaseRichSpout, canCaptureTargets, parseTopologyConfig, TopologyBuilder,
  type BasicOutputCollector, type ComponentStats, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { buildPlan } from '../plan.js';
import { buildRoutes, subscribersOf } from '../router.js';
import { DEFAULT_SYSTEM_COMPONENTS } from '../system-components.js';
import { ManualEngine } from './manual-engine.js';

/*
 * The fused route (router.ts OutRoute.only, TaskBase.sendUntracked): an untracked emit on a stream
 * with one subscription of a single-target grouping picks its task and goes straight to the
 * executor. It must deliver exactly what the generic fan-out does — the same tuples to the same
 * tasks in the same order, the same counts and errors — and every other route keeps the fan-out.
 */

const LINES = ['a b c', 'b c d boom', 'e f a', 'g b boom h', 'a a a'];

/** Emits each line once, untracked; with `captured`, inside captureTargets (what shell components do). */
class Lines extends BaseRichSpout {
  private i = 0;
  constructor(private readonly captured?: number[][]) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['line']);
  }
  nextTuple(): void {
    const line = LINES[this.i++];
    if (line === undefined) return;
    const c = this.collector;
    if (this.captured !== undefined && canCaptureTargets(c)) this.captured.push(c.captureTargets(() => c.emit([line])));
    else c.emit([line]);
  }
}

class Split extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    for (const w of (t.getValue(0) as string).split(' ')) c.emit([w]);
  }
}

/** Records `task:word` per input in one shared log; throws on "boom" (an error from this file). */
class Recorder extends BaseBasicBolt {
  private task = 0;
  constructor(private readonly log: string[], private readonly async: boolean) {
    super();
  }
  override prepare(ctx: TopologyContext): void {
    this.task = ctx.thisTaskId;
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void | Promise<void> {
    const w = t.getValue(0) as string;
    this.log.push(`${this.task}:${w}`);
    if (!this.async) {
      if (w === 'boom') throw new Error('boom in Recorder');
      return;
    }
    return Promise.resolve().then(() => {
      if (w === 'boom') throw new Error('boom in Recorder');
    });
  }
}

/** Acks every input: also the second subscriber of the generic variant (`tap`). */
class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

interface Run {
  log: string[];
  stats: Map<string, ComponentStats>;
  errors: string[];
}

/** lines -> split (2) -> count (3, by word); `tap` adds a second subscriber to split (the generic fan-out). */
async function run(opts: { tap: boolean; async?: boolean; queueCapacity?: number }): Promise<Run> {
  const log: string[] = [];
  const b = new TopologyBuilder();
  b.setSpout('lines', () => new Lines());
  b.setBolt('split', () => new Split(), 2).shuffleGrouping('lines');
  b.setBolt('count', () => new Recorder(log, opts.async === true), 3).fieldsGrouping('split', ['word']);
  if (opts.tap) b.setBolt('tap', () => new Sink(), 1).shuffleGrouping('split');
  const topology = b.build({ name: 'fused', config: { ackers: 0, ...(opts.queueCapacity !== undefined ? { queueCapacity: opts.queueCapacity } : {}) } });
  const m = new ManualEngine(topology);
  await m.start();
  const words = LINES.join(' ').split(' ').length;
  // Every word executed and settled (a sync execute that throws is failed, not counted as executed), by the tap too.
  const settled = (): boolean => {
    const c = m.engine.stats().find((s) => s.component === 'count')!;
    const tap = m.engine.stats().find((s) => s.component === 'tap');
    return log.length === words && c.acked + c.failed === words && (!opts.tap || tap!.acked + tap!.failed === words);
  };
  expect(await m.runUntil(settled, 5000)).toBe(true);
  const stats = new Map(m.engine.stats().map((s) => [s.component, s]));
  const errors = m.logs.map((l) => (l.obj as { stack?: unknown }).stack).filter((st): st is string => typeof st === 'string');
  await m.close();
  return { log, stats, errors };
}

const pick = (s: ComponentStats | undefined): object => ({ emitted: s?.emitted, transferred: s?.transferred, executed: s?.executed, acked: s?.acked, failed: s?.failed, errors: s?.errors });

describe('fused route', () => {
  for (const variant of [{ name: 'inline', async: false }, { name: 'queued, with backpressure (async execute, queue of 2)', async: true, queueCapacity: 2 }]) {
    it(`delivers what the generic fan-out delivers: same tasks, order, counts, errors (${variant.name})`, async () => {
      const fused = await run({ tap: false, ...variant });
      const generic = await run({ tap: true, ...variant });
      const words = LINES.join(' ').split(' ');
      expect(fused.log).toHaveLength(words.length);
      // Per target task, the same words in the same order (fields grouping: same task for a word).
      const byTask = (log: string[]): Record<string, string[]> => {
        const out: Record<string, string[]> = {};
        for (const e of log) (out[e.split(':')[0]!] ??= []).push(e.split(':')[1]!);
        return out;
      };
      expect(byTask(fused.log)).toEqual(byTask(generic.log));
      if (!variant.async) expect(fused.log).toEqual(generic.log); // run inline: the global order too
      expect(pick(fused.stats.get('count'))).toEqual(pick(generic.stats.get('count')));
      expect(pick(fused.stats.get('count'))).toMatchObject({ executed: words.length - (variant.async ? 0 : 2), acked: words.length - 2, failed: 2, errors: 2 });
      expect(pick(fused.stats.get('split'))).toMatchObject({ emitted: words.length, transferred: words.length });
      expect(generic.stats.get('split')!.transferred).toBe(2 * words.length);
      // The second subscriber acks each of its deliveries too (a tuple of its own, not count's).
      expect(pick(generic.stats.get('tap'))).toMatchObject({ executed: words.length, acked: words.length, failed: 0 });
      // Errors keep the user's stack (this file) on either path.
      expect(fused.errors).toHaveLength(2);
      for (const e of [...fused.errors, ...generic.errors]) expect(e).toContain('fused-route.test.ts');
    });
  }

  it('reports the target task of each emit to captureTargets', async () => {
    const captured: number[][] = [];
    const got: string[] = [];
    class Where extends BaseBasicBolt {
      private task = 0;
      override prepare(ctx: TopologyContext): void {
        this.task = ctx.thisTaskId;
      }
      declareOutputFields(_d: OutputFieldsDeclarer): void {}
      execute(t: Tuple): void {
        got.push(`${this.task}:${t.getValue(0) as string}`);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('lines', () => new Lines(captured));
    b.setBolt('where', () => new Where(), 3).fieldsGrouping('lines', ['line']);
    const m = new ManualEngine(b.build({ name: 'fused-capture', config: { ackers: 0 } }));
    await m.start();
    expect(await m.runUntil(() => got.length === LINES.length, 5000)).toBe(true);
    await m.close();
    expect(captured).toHaveLength(LINES.length);
    expect(captured.map((c, i) => `${c.join(',')}:${LINES[i]!}`)).toEqual(got);
  });

  it('is planned only for a data stream with one subscription of a single-target grouping', () => {
    const b = new TopologyBuilder();
    b.setSpout('s', () => new Lines());
    b.setBolt('one', () => new Split(), 2).fieldsGrouping('s', ['line']); // s/default: one subscription
    b.setBolt('x', () => new Split(), 1).shuffleGrouping('one');
    b.setBolt('y', () => new Sink(), 1).shuffleGrouping('one'); // one/default: two subscriptions
    b.setBolt('all', () => new Sink(), 2).allGrouping('x'); // x: all grouping (many targets)
    const topology = b.build({ name: 'fused-plan', config: { ackers: 1 } });
    const plan = buildPlan({ topology, config: parseTopologyConfig({}, topology.config), systemComponents: DEFAULT_SYSTEM_COMPONENTS });
    const rc = { plan, subscribers: subscribersOf(plan), random: () => 0.5, isLocalTask: () => true };
    const routesOf = (c: string): Map<string, ReturnType<typeof buildRoutes> extends Map<string, infer R> ? R : never> =>
      buildRoutes(rc, plan.components.get(c)!, plan.tasksOf.get(c)![0]!);
    const s = routesOf('s').get('default')!;
    expect(s.only).not.toBeNull();
    expect(s.only).toBe(s.choosers[0]);
    expect(routesOf('one').get('default')!.only).toBeNull();
    expect(routesOf('x').get('default')!.only).toBeNull();
    // Control streams (the acker's) keep their own paths.
    const control = [...routesOf('one').values()].filter((r) => r.ref.control);
    expect(control.length).toBeGreaterThan(0);
    for (const r of control) expect(r.only).toBeNull();
  });

  it('is not planned for a direct stream', () => {
    class Direct extends BaseRichSpout {
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declareStream('d', ['n'], true);
      }
      nextTuple(): void {}
    }
    const b = new TopologyBuilder();
    b.setSpout('s', () => new Direct());
    b.setBolt('t', () => new Sink(), 2).directGrouping('s', 'd');
    const topology = b.build({ name: 'fused-direct', config: { ackers: 0 } });
    const plan = buildPlan({ topology, config: parseTopologyConfig({}, topology.config), systemComponents: DEFAULT_SYSTEM_COMPONENTS });
    const rc = { plan, subscribers: subscribersOf(plan), random: () => 0.5, isLocalTask: () => true };
    const r = buildRoutes(rc, plan.components.get('s')!, plan.tasksOf.get('s')![0]!).get('d')!;
    expect(r.direct).toBe(true);
    expect(r.only).toBeNull();
  });
});
