// Storm's metrics consumer on the system-component seam: a bolt registered with
// setMetricsConsumer receives, every metricsIntervalMs, one `__metrics` tuple per component with
// the interval's data points; a topology without a consumer runs no metrics component at all.
import {
  BaseBasicBolt, BaseRichBolt, LocalCluster, METRICS_COMPONENT, METRICS_FIELDS, METRICS_STREAM, TopologyBuilder,
  type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { NumberedSpout } from './numbered-spout.js';

interface Seen {
  source: string;
  stream: string;
  fields: string[];
  values: readonly unknown[];
}
const seen: Seen[] = [];

class Collect extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    seen.push({ source: t.sourceComponent, stream: t.sourceStreamId, fields: [...t.fields.names], values: t.values });
    this.collector.ack(t);
  }
}

class Pass extends BaseBasicBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  execute(t: Tuple, c: { emit(v: unknown[]): void }): void {
    c.emit([t.values[0]]);
  }
}

function topology(consumer: boolean): ReturnType<TopologyBuilder['build']> {
  const b = new TopologyBuilder();
  b.setSpout('ids', new NumberedSpout(2000));
  b.setBolt('pass', new Pass(), 2).shuffleGrouping('ids');
  if (consumer) b.setMetricsConsumer('metrics-sink', new Collect());
  return b.build({ name: consumer ? 'with-consumer' : 'without', config: { metricsIntervalMs: 100 } });
}

describe('the __metrics stream', () => {
  let cluster: LocalCluster;
  beforeEach(() => {
    cluster = new LocalCluster();
    seen.length = 0;
  });
  afterEach(() => cluster.shutdown(0));

  it('reaches the registered consumer bolt with per-interval data points of every component', async () => {
    const t = await cluster.submit(topology(true));
    await t.waitUntilDone(20_000);
    // Data points cover the whole run once an interval ends after the last tuple.
    const total = (component: string, point: string): number =>
      seen.filter((s) => s.values[3] === component).reduce((n, s) => n + (s.values[4] as Record<string, number>)[point]!, 0);
    const ok = await t.waitUntil(() => total('pass', 'executed') === 2000 && total('ids', 'acked') === 2000, 20_000);
    expect(ok).toBe(true);
    for (const s of seen) {
      expect(s.source).toBe(METRICS_COMPONENT);
      expect(s.stream).toBe(METRICS_STREAM);
      expect(s.fields).toEqual([...METRICS_FIELDS]);
      expect(s.values[2]).toBe('local');
      expect(typeof s.values[0]).toBe('number');
      expect(s.values[1] as number).toBeGreaterThan(0);
    }
    const components = new Set(seen.map((s) => s.values[3]));
    expect([...components].sort()).toEqual(expect.arrayContaining(['__acker', 'ids', 'metrics-sink', 'pass']));
    expect(components.has(METRICS_COMPONENT)).toBe(false);
    const ids = seen.filter((s) => s.values[3] === 'ids').map((s) => s.values[4] as Record<string, number>);
    expect(ids.reduce((n, p) => n + p.emitted!, 0)).toBe(2000);
    expect(ids.reduce((n, p) => n + p.acked!, 0)).toBe(2000);
    expect(Object.keys(ids[0]!)).toEqual(expect.arrayContaining(['executeLatencyP99Ms', 'completeLatencyP999Ms', 'capacity', 'queueDepth', 'backpressureMs']));
    expect(t.stats().find((s) => s.component === METRICS_COMPONENT)?.tasks).toBe(1);
  }, 60_000);

  it('costs nothing without a consumer: no metrics component is planned', async () => {
    const t = await cluster.submit(topology(false));
    await t.waitUntilDone(20_000);
    expect(t.stats().map((s) => s.component)).not.toContain(METRICS_COMPONENT);
  }, 60_000);

  it('a bolt registered as consumer needs no other input, and metricsIntervalMs is validated', () => {
    const b = new TopologyBuilder();
    b.setSpout('ids', new NumberedSpout(1));
    b.setMetricsConsumer('m', new Collect());
    expect(b.build({ name: 'x' }).metricsConsumers).toEqual(['m']);
    expect(() => b.build({ name: 'y', config: { metricsIntervalMs: 10 } })).toThrow(/metricsIntervalMs/);
  });
});
