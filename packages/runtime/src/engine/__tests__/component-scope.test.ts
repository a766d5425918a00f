// Production runs (gale local, cluster workers) wrap every component instance in a scope
// (component-scope.ts): an object whose prototype is the instance. Every method the engine calls
// on it must run with the instance as `this`, or the fields it sets land on the wrapper and the
// instance's own methods never see them.
import {
  BaseRichSpout, BaseWindowedBolt, Duration, TopologyBuilder, slidingWindow,
  type OutputFieldsDeclarer, type PaneAggregator, type Tuple, type TupleWindow, type WindowSpec, type WindowedOutputCollector,
} from '@gale/runtime';
import { FAIL_HELD_INPUTS, holdsInputs } from '../../api/held-inputs.js';
import { scopeTopology, type ComponentWho } from '../component-scope.js';

class PaneCount extends BaseWindowedBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  execute(_w: TupleWindow, _c: WindowedOutputCollector): void {}
  panes(): PaneAggregator<{ n: number }> {
    return { createPane: () => ({ n: 0 }), add: (p) => { p.n++; }, execute: () => {} };
  }
}

class SelfSpout extends BaseRichSpout {
  readonly seen: { method: string; self: unknown }[] = [];
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['x']);
  }
  nextTuple(): void {}
  isExhausted(): boolean {
    this.seen.push({ method: 'isExhausted', self: this });
    return false;
  }
  deadLetterValues(_id: unknown): [] {
    this.seen.push({ method: 'deadLetterValues', self: this });
    return [];
  }
}

const scopedIn: string[] = [];
const scope = <A extends unknown[], T>(who: ComponentWho, fn: (...args: A) => T, ...args: A): T => {
  scopedIn.push(who.component);
  return fn(...args);
};

function scopedTopology(window: WindowSpec) {
  const b = new TopologyBuilder();
  b.setSpout('s', () => new SelfSpout());
  b.setBolt('w', () => new PaneCount({ ...window, epochClock: () => 0 })).shuffleGrouping('s');
  return scopeTopology(b.build({ name: 'scoped', config: { maxSpoutPending: 10, messageTimeoutMs: 60_000 } }), scope);
}

const input = (v: string): Tuple => ({ isTick: () => false, values: [v], getValue: () => v }) as unknown as Tuple;

describe('a scoped component instance', () => {
  beforeEach(() => { scopedIn.length = 0; });

  it.each([
    ['processing-time panes', slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(5))],
    ['event-time panes', { ...slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(5)), timestamp: (): number => 1_000_000 }],
  ] as [string, WindowSpec][])('%s: failing its held inputs on a drain runs on the instance: an input after the first step is failed by the next', async (_name, window) => {
    const inst = scopedTopology(window).components.get('w')!.create() as unknown as {
      prepare(ctx: unknown, c: unknown): Promise<void> | void;
      execute(t: Tuple): unknown;
    };
    expect(holdsInputs(inst)).toBe(true);
    const failed: string[] = [];
    const collector = {
      fail: (t: Tuple) => failed.push(t.values[0] as string), ack: () => {}, emit: () => [], emitStream: () => [],
      reportError: (e: unknown) => { throw e; },
    };
    await inst.prepare({ thisComponentId: 'w', thisTaskId: 2, config: { messageTimeoutMs: 60_000 }, thisSources: () => [] }, collector);
    inst.execute(input('a'));
    const held = inst as unknown as { [FAIL_HELD_INPUTS](): number };
    scopedIn.length = 0;
    expect(held[FAIL_HELD_INPUTS]()).toBe(1);
    expect(scopedIn).toEqual(['w']);
    expect(failed).toEqual(['a']);
    // Still routed here while the drain waits (a peer's tuple): held by a new pane, failed by the next step.
    inst.execute(input('b'));
    expect(held[FAIL_HELD_INPUTS]()).toBe(1);
    expect(failed).toEqual(['a', 'b']);
    expect(Object.getOwnPropertyNames(inst).filter((k) => k === 'current' || k === 'spare')).toEqual([]);
  });

  it('runs isExhausted and deadLetterValues on the instance, in its scope', () => {
    const wrapper = scopedTopology(slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(5))).components.get('s')!.create() as unknown as SelfSpout;
    expect(wrapper.isExhausted()).toBe(false);
    expect(wrapper.deadLetterValues('m')).toEqual([]);
    const inst = Object.getPrototypeOf(wrapper) as SelfSpout;
    expect(wrapper.seen.map((s) => s.method)).toEqual(['isExhausted', 'deadLetterValues']);
    expect(wrapper.seen.every((s) => s.self === inst)).toBe(true);
    expect(scopedIn).toEqual(['s', 's']);
  });
});
