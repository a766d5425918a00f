import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseRichBolt, DataError, FeederSpout, LocalCluster, TopologyBuilder, completeTopology, type Tuple, type Values } from '@gale/runtime';
import { AppendFileSinkBolt, type AppendFileSinkBoltOptions } from '@gale/bolt-kit';
import { ReplayLog, ReplayingSpout, runUntilDone } from '../../__tests__/replaying-spout.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-afs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

class Placeholder {
  constructor(private readonly fields: string[]) {}
  declareOutputFields(d: { declare(f: readonly string[]): void }): void {
    d.declare(this.fields);
  }
  nextTuple(): void {}
}

/** Fails the first attempt of each tuple (by its `id` field), after the sink appended it. */
const failed = new Set<unknown>();
class FailOnce extends BaseRichBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const id = t.getValueByField('id');
    if (failed.has(id)) this.collector.ack(t);
    else {
      failed.add(id);
      this.collector.fail(t);
    }
  }
}

async function run(options: AppendFileSinkBoltOptions, fields: string[], tuples: Values[], flaky = false): Promise<void> {
  const b = new TopologyBuilder();
  b.setSpout('in', new Placeholder(fields));
  b.setBolt('out', new AppendFileSinkBolt(options)).globalGrouping('in');
  if (flaky) b.setBolt('flaky', new FailOnce()).shuffleGrouping('in');
  const config = { replayBackoffInitialMs: 5, replayBackoffMaxMs: 50 };
  await completeTopology(b.build({ name: 'append', config }), { mockedSources: { in: tuples }, config });
}

function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}

describe('AppendFileSinkBolt', () => {
  it('appends one JSON object per tuple (fields as keys), acking each after the write', async () => {
    const path = join(dir, 'sub', 'out.jsonl');
    const tuples: Values[] = [];
    for (let i = 0; i < 500; i++) tuples.push([i, `w${i}`, { n: i }]);
    await run({ path }, ['id', 'word', 'obj'], tuples);
    const got = lines(path).map((l) => JSON.parse(l) as { id: number });
    expect(got).toHaveLength(500);
    expect(got[7]).toEqual({ id: 7, word: 'w7', obj: { n: 7 } });
  });

  it('appends to what the file held, in tsv or a custom format, with each fsync policy', async () => {
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old\n');
    await run({ path, format: 'tsv', fsync: 'never' }, ['id', 'w'], [[1, 'a'], [2, { b: 1 }]]);
    await run({ path, format: (t) => `#${String(t.getValueByField('id'))}`, fsync: 'interval', fsyncIntervalMs: 10 }, ['id'], [[3]]);
    expect(lines(path)).toEqual(['old', '1\ta', '2\t{"b":1}', '#3']);
  });

  it('is at-least-once: a tuple replayed after its line was written is appended again', async () => {
    failed.clear();
    const path = join(dir, 'out.jsonl');
    await run({ path }, ['id'], [[1], [2], [3]], true);
    const ids = lines(path).map((l) => (JSON.parse(l) as { id: number }).id).sort();
    expect(ids).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it('fails a tuple its format throws on, reporting the error, and keeps running', async () => {
    const path = join(dir, 'out.txt');
    const cluster = new LocalCluster();
    try {
      const b = new TopologyBuilder();
      const feeder = new FeederSpout(['id']);
      b.setSpout('in', feeder);
      b.setBolt('out', new AppendFileSinkBolt({ path, format: (t) => {
        if (t.getValueByField('id') === 1) throw new Error('cannot format 1');
        return String(t.getValueByField('id'));
      } })).globalGrouping('in');
      // maxRetries 0: the failing tuple is dead-lettered instead of replayed forever.
      const t = await cluster.submit(b.build({ name: 'bad-format', config: { maxRetries: 0 } }));
      feeder.feed([1]);
      feeder.feed([2]);
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(t.errors('out').map((e) => e.message)).toEqual([expect.stringContaining('cannot format 1')]);
    } finally {
      await cluster.shutdown(0);
    }
    expect(readFileSync(path, 'utf8')).toBe('2\n');
  });

  it('a value json cannot write (a BigInt) is bad data: acked once, emitted on "invalid", reported once without a stack; the run ends', async () => {
    const path = join(dir, 'out.jsonl');
    const log = new ReplayLog();
    const spout = new ReplayingSpout(['id', 'v'], [[1, 'a'], [2, 10n], [3, 'c']], log);
    const b = new TopologyBuilder();
    b.setSpout('in', () => spout);
    b.setBolt('out', new AppendFileSinkBolt({ path })).globalGrouping('in');
    const r = await runUntilDone(b.build({ name: 'bigint' }));
    expect(r.done).toBe(true);
    expect(log.totalFails()).toBe(0);
    expect([...log.acks.values()]).toEqual([1, 1, 1]);
    expect(readFileSync(path, 'utf8')).toBe('{"id":1,"v":"a"}\n{"id":3,"v":"c"}\n');
    expect(r.emitted('out', 'invalid')).toEqual([['in', 'default', [2, 10n], expect.stringMatching(/^cannot format the tuple as a line: .*BigInt/)]]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/AppendFileSinkBolt "out": cannot format the tuple as a line: .*; the tuple is emitted on stream "invalid" and acked/);
    expect(r.errors[0]!.stack).toBeUndefined();
  });

  it('a DataError thrown by a format function is bad data too (acked, on invalidStream); a clash of invalidStream is refused', async () => {
    const path = join(dir, 'out.txt');
    const log = new ReplayLog();
    const spout = new ReplayingSpout(['id'], [[1], [2]], log);
    const b = new TopologyBuilder();
    b.setSpout('in', () => spout);
    b.setBolt('out', new AppendFileSinkBolt({ path, invalidStream: 'unwritable', format: (t) => {
      if (t.getValueByField('id') === 1) throw new DataError('GALE_ERR_MY_BAD_ID', 'id 1 is reserved');
      return String(t.getValueByField('id'));
    } })).globalGrouping('in');
    const r = await runUntilDone(b.build({ name: 'data-error-format' }));
    expect(r.done).toBe(true);
    expect(log.totalFails()).toBe(0);
    expect(r.emitted('out', 'unwritable')).toEqual([['in', 'default', [1], 'cannot format the tuple as a line: id 1 is reserved']]);
    expect(r.errors.map((e) => e.message)).toEqual(['id 1 is reserved']);
    expect(readFileSync(path, 'utf8')).toBe('2\n');
    expect(() => new AppendFileSinkBolt({ path, invalidStream: '' })).toThrow(/invalidStream must be a non-empty stream id/);
  });

  it('refuses a directory path (GALE_ERR_FILE_WRITE), bad options and more than one task', async () => {
    const b = new TopologyBuilder();
    b.setSpout('in', new Placeholder(['id']));
    b.setBolt('out', new AppendFileSinkBolt({ path: dir })).globalGrouping('in');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 'dir' }))).rejects.toMatchObject({ cause: { code: 'GALE_ERR_FILE_WRITE' } });
      const b2 = new TopologyBuilder();
      b2.setSpout('in', new Placeholder(['id']));
      b2.setBolt('out', new AppendFileSinkBolt({ path: join(dir, 'x') }), 2).shuffleGrouping('in');
      await expect(cluster.submit(b2.build({ name: 'two' }))).rejects.toMatchObject({ cause: { code: 'GALE_ERR_SINGLE_TASK_ONLY' } });
    } finally {
      await cluster.shutdown(0);
    }
    expect(() => new AppendFileSinkBolt({ path: 'x', fsync: 'sometimes' as never })).toThrow(/fsync must be one of/);
    expect(() => new AppendFileSinkBolt({ path: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
  });
});
