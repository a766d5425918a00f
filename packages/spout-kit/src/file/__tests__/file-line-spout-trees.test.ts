import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, BaseStatefulBolt, FailedException, FileStateStores, LocalCluster, TopologyBuilder, completeTopology,
  type BaseRichBolt, type KeyValueState, type SpoutOutputCollector, type Topology, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { FileLineSpout, type FileLineSpoutOptions } from '@gale/spout-kit';

/* FileLineSpout with linesPerTree: a tuple per line, several lines per tuple tree (emitTree). */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-flt-'));
  acked.length = 0;
  probe = undefined;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Message ids acked to the spout. */
const acked: number[] = [];
let probe: RecordingSpout | undefined;

class RecordingSpout extends FileLineSpout {
  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    probe = this;
  }
  override ack(messageId: unknown): void {
    acked.push(messageId as number);
    super.ack(messageId);
  }
}

class Sink extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {}
}

function topology(options: FileLineSpoutOptions, bolt: BaseBasicBolt | BaseRichBolt = new Sink()): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new RecordingSpout(options));
  b.setBolt('sink', bolt, 2).fieldsGrouping('lines', ['line']);
  return b.build({ name: 'file-trees' });
}

/** Line start offsets of a file, like `grep -b ''`. */
function lineStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at < bytes.length;) {
    starts.push(at);
    const nl = bytes.indexOf(0x0a, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return starts;
}

/** Line indexes of the acked trees' first lines, ascending; checks that each is a line start. */
function treeStarts(path: string): number[] {
  const starts = lineStarts(readFileSync(path));
  return [...acked].sort((a, b) => a - b).map((off) => {
    const i = starts.indexOf(off);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  });
}

const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => `line ${i} ${'x'.repeat(i % 13)}`);

describe('FileLineSpout linesPerTree', () => {
  const content = 'first\r\nsecond line\n\n\r\ncafé naïve\n\u{1F600}\nno newline at end';
  const lines = ['first', 'second line', '', '', 'café naïve', '\u{1F600}', 'no newline at end'];

  it('emits every line as its own string tuple, up to linesPerTree lines per tree under the first line\'s offset', async () => {
    const path = file('a.txt', content);
    for (const [linesPerTree, chunkBytes] of [[1, undefined], [2, undefined], [3, 4], [100, 7], [100, undefined]] as const) {
      acked.length = 0;
      const out = await completeTopology(topology({ path, linesPerTree, ...(chunkBytes === undefined ? {} : { chunkBytes }) }));
      expect(out.emitted('lines')).toEqual(lines.map((l) => [l]));
      const firsts = treeStarts(path);
      expect(firsts[0]).toBe(0);
      // Trees cover consecutive lines, none more than linesPerTree, each acked once.
      const sizes = firsts.map((f, i) => (firsts[i + 1] ?? lines.length) - f);
      expect(sizes.every((n) => n >= 1 && n <= linesPerTree)).toBe(true);
      expect(new Set(acked).size).toBe(acked.length);
      if (linesPerTree === 100 && chunkBytes === undefined) expect(acked.length).toBeLessThanOrEqual(2);
      expect(probe!.isExhausted()).toBe(true);
    }
  });

  it('replays a tree whose line failed: all its lines again, under the same offset; every other line once', async () => {
    const all = numbered(200);
    const path = file('b.txt', `${all.join('\n')}\n`);
    const executed = new Map<string, number>();
    class FailOnce extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        const l = t.getStringByField('line');
        executed.set(l, (executed.get(l) ?? 0) + 1);
        if (l === all[77] && executed.get(l) === 1) throw new FailedException('first attempt');
      }
    }
    const cluster = new LocalCluster();
    try {
      // One read holds the whole file, so the trees are exactly lines 0-15, 16-31, ...
      const t = await cluster.submit(topology({ path, linesPerTree: 16, chunkBytes: 64 * 1024 }, new FailOnce()));
      expect(await t.waitUntilDone(10_000)).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
    const firsts = treeStarts(path);
    expect(new Set(acked).size).toBe(acked.length);
    expect(firsts).toEqual(Array.from({ length: Math.ceil(200 / 16) }, (_, i) => i * 16));
    // Line 77 failed once: its tree, lines 64-79, ran twice; every other line once.
    all.forEach((l, i) => expect([l, executed.get(l)]).toEqual([l, i >= 64 && i < 80 ? 2 : 1]));
    expect(probe!.isExhausted()).toBe(true);
  });

  it('sends the end marker once every tree was acked', async () => {
    const path = file('c.txt', `${numbered(50).join('\n')}\n`);
    const b = new TopologyBuilder();
    b.setSpout('lines', new RecordingSpout({ path, linesPerTree: 8, chunkBytes: 64, endStream: 'end' }));
    b.setBolt('sink', new Sink()).shuffleGrouping('lines').allGrouping('lines', 'end');
    const out = await completeTopology(b.build({ name: 'trees-end' }));
    expect(out.emitted('lines')).toHaveLength(50);
    expect(out.emitted('lines', 'end')).toEqual([[path]]);
    expect(probe!.isExhausted()).toBe(true);
  });

  it('rejects bad options when constructed, naming the option', () => {
    for (const linesPerTree of [0, -1, 2.5, Number.NaN, '10' as unknown as number]) {
      expect(() => new FileLineSpout({ path: 'x', linesPerTree })).toThrow(expect.objectContaining({
        code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/linesPerTree must be an integer >= 1/),
      }));
    }
    expect(() => new FileLineSpout({ path: 'x', linesPerTree: 10, linesPerTuple: 1 })).toThrow(expect.objectContaining({
      code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/linesPerTuple .* or linesPerTree .*not both/),
    }));
    expect(() => new FileLineSpout({ path: 'x', linesPerTre: 10 } as unknown as FileLineSpoutOptions)).toThrow(expect.objectContaining({
      code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/has no option "linesPerTre"/),
    }));
  });

  it('checkpointed state over a tuple per line, in trees of many lines, is exact; acks come per tree', async () => {
    // Each line is `key n`; a stateful bolt (fields grouping per line) sums n per key. Replays
    // after a checkpoint rollback are in engine/__tests__/checkpoint-protocol.test.ts (manual
    // clock): an explicit fail of one line would replay its whole tree, whose other lines' effects
    // may already be in the state (docs/state.md, Limits).
    const records = Array.from({ length: 3000 }, (_, i) => [`k${i % 11}`, (i % 7) + 1] as const);
    const path = file('d.txt', `${records.map(([k, n]) => `${k} ${n}`).join('\n')}\n`);
    class Totals extends BaseStatefulBolt<KeyValueState<string, number>> {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        if (t.isTick()) return;
        const [k, n] = t.getStringByField('line').split(' ');
        this.state.put(k!, this.state.get(k!, 0) + Number(n));
        this.collector.ack(t);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('lines', new RecordingSpout({ path, linesPerTree: 100, chunkBytes: 4096 }));
    b.setBolt('totals', () => new Totals(), 3).fieldsGrouping('lines', ['line']);
    const name = 'tree-totals';
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name, config: { checkpointIntervalMs: 50, messageTimeoutMs: 10_000, stateBackend: 'file', stateDir: dir } }));
      expect(await t.waitUntilDone(30_000)).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
    const expected: Record<string, number> = {};
    for (const [k, n] of records) expected[k] = (expected[k] ?? 0) + n;
    const got: Record<string, number> = {};
    const stores = new FileStateStores(dir);
    for (let i = 0; i < 3; i++) {
      for (const [k, v] of (await stores.open({ topology: name, component: 'totals', taskIndex: i }).load()).committed.entries) {
        got[JSON.parse(k) as string] = (got[JSON.parse(k) as string] ?? 0) + (v as number);
      }
    }
    expect(got).toEqual(expected);
    // Trees, not lines, were tracked: one ack per tree of up to 100 lines.
    expect(new Set(acked).size).toBe(acked.length);
    expect(acked.length).toBeGreaterThanOrEqual(30);
    expect(acked.length).toBeLessThan(100);
  });
});
