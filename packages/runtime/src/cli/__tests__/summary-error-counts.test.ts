import type { ComponentStats, ReportedError } from '../../api/stats.js';
import { BaseBasicBolt, BaseRichSpout, FailedException, LocalCluster, TopologyBuilder, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';
import { summaryLines } from '../stats-format.js';

it('the gale local summary shows how many reports a folded error entry stands for', () => {
  const errors: ReportedError[] = [
    { component: 'count', task: 3, time: 1, message: 'redis: NOPERM' },
    { component: 'count', task: 3, time: 2, message: 'amount "x" is not a finite number', code: 'GALE_ERR_BAD_AMOUNT', count: 1000 },
  ];
  const lines = summaryLines([] as ComponentStats[], errors);
  expect(lines).toEqual([
    'gale: error in "count" (task 3): redis: NOPERM',
    'gale: error in "count" (task 3): amount "x" is not a finite number; 1000 times',
  ]);
});

it('the summary shows the first error of each code, which the list keeps through a flood, before the last three', () => {
  const errors: ReportedError[] = [
    { component: 'count', task: 3, time: 1, message: 'redis: connection refused', code: 'GALE_ERR_REDIS_CONNECT' },
    ...['a', 'b', 'c', 'd', 'e'].map((w, i): ReportedError => ({ component: 'count', task: 3, time: 2 + i, message: `bad row ${w}` })),
  ];
  expect(summaryLines([] as ComponentStats[], errors)).toEqual([
    'gale: error in "count" (task 3): redis: connection refused',
    'gale: error in "count" (task 3): bad row a',
    'gale: error in "count" (task 3): bad row c',
    'gale: error in "count" (task 3): bad row d',
    'gale: error in "count" (task 3): bad row e',
    'gale: 1 more distinct error(s) in "count" not shown (--json lists them)',
  ]);
});

it('a bolt whose every execute threw says so, not just "executed 0 ... failed 40"; inputs failed otherwise are no throw', () => {
  const latency = { p50: 0, p99: 0 };
  const bolt = (executed: number, failed: number, executeThrew: number) =>
    ({ component: 'parse', kind: 'bolt', executed, emitted: 0, acked: executed, failed, errors: executeThrew, executeThrew, executeLatencyMs: latency }) as unknown as ComponentStats;
  expect(summaryLines([bolt(0, 40, 40)], [])[0]).toMatch(/executed 0 .* failed 40 .*\(no execute completed: each of the 40 inputs failed, its execute threw; errors below\)$/);
  expect(summaryLines([bolt(10, 2, 2)], [])[0]).not.toMatch(/no execute completed/);
  // Failed explicitly (an async bolt with executes in flight) or by a drain at stop: no throw.
  expect(summaryLines([bolt(0, 5, 0)], [])[0]).not.toMatch(/no execute completed/);
  expect(summaryLines([bolt(0, 5, 2)], [])[0]).toMatch(/\(no execute completed: 2 of the 5 failed inputs failed because execute threw; errors below\)$/);
});

class Six extends BaseRichSpout {
  private next = 0;
  private done = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void { d.declare(['n']); }
  nextTuple(): void { if (this.next < 6) this.collector.emit([this.next], this.next++); }
  override ack(): void { this.done++; }
  override fail(): void { this.done++; }
  isExhausted(): boolean { return this.done === 6; }
}

class Throws extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if ((t.getValue(0) as number) % 2 === 0) throw new Error(`bad ${String(t.getValue(0))}`);
    throw new FailedException('explicit');
  }
}

it('executeThrew counts the executes that threw, not an explicit FailedException', async () => {
  const b = new TopologyBuilder();
  b.setSpout('gen', () => new Six());
  b.setBolt('parse', new Throws()).shuffleGrouping('gen');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(b.build({ name: 'threw', config: { maxRetries: 0 } }));
    expect(await t.waitUntilDone(10_000)).toBe(true);
    const parse = t.stats().find((s) => s.component === 'parse')!;
    expect(parse.failed).toBe(6);
    expect(parse.executeThrew).toBe(3);
    expect(summaryLines([parse], [])[0]).toMatch(/\(no execute completed: 3 of the 6 failed inputs failed because execute threw/);
  } finally {
    await cluster.shutdown(0);
  }
});
