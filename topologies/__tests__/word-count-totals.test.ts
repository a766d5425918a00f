// The batched word-count's end-of-input totals: `split` keeps running totals per task and sends
// them whole on the end marker; `count` (TaskTotalsBolt) keeps the latest total per (word, split
// task) and sums them once every split task's marker arrived. A replayed marker re-sends whole
// totals, which must replace, never add.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, FailedException, LocalCluster, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';
import { TaskTotalsBolt, TOTALS_PER_TUPLE } from '../task-totals-bolt.js';
import { buildWordCount, SplitWordsBolt, SPLIT_TOTALS_PARTS } from '../word-count.js';

const SAMPLE = join(__dirname, '..', 'data', 'sample.txt');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-wct-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Message ids acked to the spout, across its task copies. */
const acked: unknown[] = [];

class RecordingLineSpout extends FileLineSpout {
  override ack(messageId: unknown): void {
    acked.push(messageId);
    super.ack(messageId);
  }
}

/** A split that, on its first end marker, sends its totals and marker and then fails the marker's tree. */
class FailFirstMarkerSplit extends SplitWordsBolt {
  private failedOnce = false;
  override execute(tuple: Tuple, collector: BasicOutputCollector): void {
    super.execute(tuple, collector);
    if (tuple.sourceStreamId === 'end' && !this.failedOnce) {
      this.failedOnce = true;
      throw new FailedException('after the totals');
    }
  }
}

/** Fails its first `failures` inputs (per task), passing the others on unchanged. */
class FailFirstBolt extends BaseBasicBolt {
  constructor(private failures: number) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['words', 'counts']);
  }
  execute(t: Tuple, c: BasicOutputCollector): void {
    if (this.failures > 0) {
      this.failures--;
      throw new FailedException('fail first');
    }
    c.emit([t.getValue(0), t.getValue(1)]);
  }
}

/** Runs to completion with a short replay backoff; returns the spout's failed trees. */
async function run(topology: Topology): Promise<number> {
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(topology);
    expect(await t.waitUntilDone(30_000)).toBe(true);
    const failed = t.stats().find((s) => s.component === 'lines')!.failed;
    await cluster.kill(t.name);
    return failed;
  } finally {
    await cluster.shutdown(0);
  }
}

/** The classic shape's output (a tuple per line and per word, no end-of-input totals). */
async function classicOutput(): Promise<Buffer> {
  const output = join(dir, 'classic.tsv');
  await run(buildWordCount({ input: SAMPLE, output, linesPerTuple: 1 }));
  return readFileSync(output);
}

function batchedBuilder(split: SplitWordsBolt): TopologyBuilder {
  const b = new TopologyBuilder();
  b.setSpout('lines', new RecordingLineSpout({ path: SAMPLE, linesPerTuple: 4, chunkBytes: 512, endStream: 'end' }));
  b.setBolt('split', split, 2).shuffleGrouping('lines').allGrouping('lines', 'end');
  b.setBolt('count', new TaskTotalsBolt({ flushOn: 'end' }), 2).fieldsGrouping('split', ['part']).allGrouping('split', 'end');
  return b;
}

describe('word-count end-of-input totals', () => {
  it('a marker whose tree fails after the totals went out is replayed: the totals are sent again and replace, the counts stay exact', async () => {
    acked.length = 0;
    const output = join(dir, 'counts.tsv');
    const b = batchedBuilder(new FailFirstMarkerSplit({ combine: true, flushOn: 'end' }));
    b.setBolt('sink', new CountsFileSinkBolt({ path: output, keyField: 'words', countField: 'counts', arrays: true })).globalGrouping('count');
    expect(await run(b.build({ name: 'totals-split-fails', config: { replayBackoffInitialMs: 5, replayBackoffMaxMs: 50 } }))).toBeGreaterThan(0);
    expect(acked.filter((id) => id === -1)).toHaveLength(1);
    expect(readFileSync(output).equals(await classicOutput())).toBe(true);
  });

  it('failures between count and sink replay the marker; the sink keeps the latest sums, exact', async () => {
    acked.length = 0;
    const output = join(dir, 'counts.tsv');
    const b = batchedBuilder(new SplitWordsBolt({ combine: true, flushOn: 'end' }));
    b.setBolt('flaky', new FailFirstBolt(3), 2).shuffleGrouping('count');
    b.setBolt('sink', new CountsFileSinkBolt({ path: output, keyField: 'words', countField: 'counts', arrays: true })).globalGrouping('flaky');
    expect(await run(b.build({ name: 'totals-sink-fails', config: { replayBackoffInitialMs: 5, replayBackoffMaxMs: 50 } }))).toBeGreaterThan(0);
    expect(acked.filter((id) => id === -1)).toHaveLength(1);
    expect(readFileSync(output).equals(await classicOutput())).toBe(true);
  });

  it('sends a part of more than 16,384 words in several tuples, every word once', () => {
    const split = new SplitWordsBolt({ combine: true, flushOn: 'end' });
    split.prepare({} as TopologyContext);
    const emitted: { stream: string; values: unknown[] }[] = [];
    const collector = {
      emit: (values: unknown[]) => emitted.push({ stream: 'default', values }),
      emitStream: (stream: string, values: unknown[]) => emitted.push({ stream, values }),
    } as unknown as BasicOutputCollector;
    const input = (stream: string, values: unknown[]): Tuple => ({ values, sourceStreamId: stream, isTick: () => false }) as unknown as Tuple;
    const words = Array.from({ length: 40 * TOTALS_PER_TUPLE }, (_, i) => `w${i.toString(36)}`);
    split.execute(input('default', [[words.join(' '), 'W0 w1']]), collector);
    split.execute(input('end', ['in.txt']), collector);
    expect(emitted.at(-1)).toEqual({ stream: 'end', values: [] });
    const totals = emitted.slice(0, -1).map((e) => e.values as [number, string[], number[]]);
    expect(totals.length).toBeGreaterThan(SPLIT_TOTALS_PARTS);
    expect(totals.every(([part, w, t]) => part >= 0 && part < SPLIT_TOTALS_PARTS && w.length <= TOTALS_PER_TUPLE && w.length === t.length)).toBe(true);
    const counted = new Map<string, number>();
    for (const [, w, t] of totals) w.forEach((word, i) => counted.set(word, (counted.get(word) ?? 0) + t[i]!));
    expect(counted.size).toBe(words.length);
    expect(counted.get('w0')).toBe(2);
    expect(counted.get('w1')).toBe(2);
    expect([...counted.values()].reduce((a, b) => a + b, 0)).toBe(words.length + 2);
  });

  it('refuses flushOn without combine, and a TaskTotalsBolt without a stream', () => {
    expect(() => new SplitWordsBolt({ flushOn: 'end' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new SplitWordsBolt({ combine: true, flushOn: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new TaskTotalsBolt({ flushOn: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
  });
});
