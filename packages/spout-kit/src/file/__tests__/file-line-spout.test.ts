import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, BaseRichBolt, FailedException, LocalCluster, TopologyBuilder, completeTopology, type OutputCollector,
  type SpoutOutputCollector, type Topology, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { FileLineSpout, FileNotFoundError, type FileLineSpoutOptions } from '@gale/spout-kit';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-fls-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Message ids acked to the spout (all tasks; tests run one at a time). */
const acked: number[] = [];
/** The spout instance of the running test's task. */
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

beforeEach(() => {
  acked.length = 0;
  probe = undefined;
});

function topology(options: FileLineSpoutOptions, bolt: BaseBasicBolt | BaseRichBolt = new Sink(), spoutParallelism = 1): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new RecordingSpout(options), spoutParallelism);
  b.setBolt('sink', bolt).shuffleGrouping('lines');
  return b.build({ name: 'file-lines' });
}

/** Line start offsets of a file, like `grep -b ''`. */
function lineStarts(bytes: Buffer): number[] {
  const starts: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    starts.push(at);
    const nl = bytes.indexOf(0x0a, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return starts;
}

describe('FileLineSpout', () => {
  const content = 'first\r\nsecond line\n\n\r\ncafé naïve\n\u{1F600}\nno newline at end';
  const lines = ['first', 'second line', '', '', 'café naïve', '\u{1F600}', 'no newline at end'];

  it('emits one tuple per line, empty lines included, with byte offsets as message ids', async () => {
    const path = file('a.txt', content);
    const out = await completeTopology(topology({ path }));
    expect(out.emitted('lines')).toEqual(lines.map((l) => [l]));
    expect(acked).toEqual(lineStarts(readFileSync(path)));
    expect(probe!.isExhausted()).toBe(true);
  });

  it('names its output field', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new FileLineSpout({ path: file('a.txt', 'x\n'), field: 'text' }));
    b.setBolt('sink', new Sink()).shuffleGrouping('lines');
    expect(b.build({ name: 't' }).components.get('lines')!.streams.get('default')!.fields.names).toEqual(['text']);
  });

  it('gives the same result whatever the chunk size', async () => {
    const path = file('a.txt', content);
    for (const chunkBytes of [1, 2, 3, 5, 8, 13]) {
      acked.length = 0;
      const out = await completeTopology(topology({ path, chunkBytes }));
      expect(out.emitted('lines')).toEqual(lines.map((l) => [l]));
      expect(acked).toEqual(lineStarts(readFileSync(path)));
    }
  });

  it('reads a file of many chunks in order, buffering only a few chunks at a time', async () => {
    const all: string[] = [];
    for (let i = 0; i < 100_000; i++) all.push(`line ${i} ${'x'.repeat(i % 50)}`);
    const path = file('big.txt', all.join('\n') + '\n');
    expect(readFileSync(path).length).toBeGreaterThan(8 * 256 * 1024);
    const out = await completeTopology(topology({ path }));
    const got = out.emitted('lines');
    expect(got.length).toBe(all.length);
    expect(got.every((v, i) => v[0] === all[i])).toBe(true);
  });

  describe('with linesPerTuple', () => {
    it('emits batches of consecutive lines as string[], each under its first line\'s offset', async () => {
      const path = file('a.txt', content);
      for (const [linesPerTuple, chunkBytes] of [[1, undefined], [2, undefined], [3, 4], [100, 7], [100, undefined]] as const) {
        acked.length = 0;
        const out = await completeTopology(topology({ path, linesPerTuple, ...(chunkBytes === undefined ? {} : { chunkBytes }) }));
        const batches = out.emitted('lines').map((v) => v[0] as string[]);
        expect(batches.every((b) => Array.isArray(b) && b.length >= 1 && b.length <= linesPerTuple)).toBe(true);
        expect(batches.flat()).toEqual(lines);
        // One ack per batch, under the offset of the batch's first line.
        const starts = lineStarts(readFileSync(path));
        const firsts: number[] = [];
        let i = 0;
        for (const b of batches) {
          firsts.push(starts[i]!);
          i += b.length;
        }
        expect([...acked].sort((a, b) => a - b)).toEqual(firsts);
        expect(probe!.isExhausted()).toBe(true);
      }
    });

    it('with one read of the whole file and a large linesPerTuple, emits the file as one batch', async () => {
      // Newline-terminated: a last line without one is only known to be whole at end of file.
      const out = await completeTopology(topology({ path: file('a.txt', `${content}\n`), linesPerTuple: 1000 }));
      expect(out.emitted('lines')).toEqual([[lines]]);
      expect(acked).toEqual([0]);
    });

    it('replays a failed batch whole, with the same offset, until it is acked', async () => {
      const path = file('a.txt', content);
      const seen = new Set<string>();
      const executed: string[][] = [];
      class FailFirst extends BaseBasicBolt {
        declareOutputFields(): void {}
        execute(t: Tuple): void {
          const batch = t.getValue(0) as string[];
          executed.push(batch);
          const key = JSON.stringify(batch);
          if (!seen.has(key)) {
            seen.add(key);
            throw new FailedException('first attempt');
          }
        }
      }
      const cluster = new LocalCluster();
      try {
        const t = await cluster.submit(topology({ path, chunkBytes: 8, linesPerTuple: 2 }, new FailFirst()));
        expect(await t.waitUntilDone(10_000)).toBe(true);
      } finally {
        await cluster.shutdown(0);
      }
      // Every batch ran twice (failed, then replayed as the same lines) and was acked once.
      expect(executed.length).toBe(2 * seen.size);
      expect([...seen].flatMap((k) => JSON.parse(k) as string[])).toEqual(lines);
      expect(new Set(acked).size).toBe(seen.size);
      expect(acked.length).toBe(seen.size);
    });
  });

  describe('endStream', () => {
    /** What the bolt saw: the lines, and at each end marker the spout's acks so far. */
    let seenLines: string[];
    let atEnd: number[][];
    let failEnds: number;
    /** The path of the file the topology reads (what the marker carries). */
    let endPath: string;
    class EndWatcher extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        if (t.sourceStreamId === 'default') {
          seenLines.push(t.getValue(0) as string);
          return;
        }
        expect(t.sourceStreamId).toBe('eof');
        expect(t.values).toEqual([endPath]);
        atEnd.push([...acked]);
        if (failEnds > 0) {
          failEnds--;
          throw new FailedException('fail the marker');
        }
      }
    }
    function endTopology(options: FileLineSpoutOptions): Topology {
      endPath = options.path;
      const b = new TopologyBuilder();
      b.setSpout('lines', new RecordingSpout({ ...options, endStream: 'eof' }));
      b.setBolt('watch', new EndWatcher(), 2).shuffleGrouping('lines').allGrouping('lines', 'eof');
      return b.build({ name: 'file-lines-end', config: { replayBackoffInitialMs: 1, replayBackoffMaxMs: 5 } });
    }
    async function runUntilDone(t: Topology, config = {}): Promise<void> {
      const cluster = new LocalCluster();
      try {
        const running = await cluster.submit(t, { config });
        expect(await running.waitUntilDone(10_000)).toBe(true);
        expect(running.errors()).toEqual([]);
      } finally {
        await cluster.shutdown(0);
      }
    }
    beforeEach(() => {
      seenLines = [];
      atEnd = [];
      failEnds = 0;
    });

    it('emits [path] on the end stream to every task once every line was acked; exhausted once it is acked', async () => {
      const path = file('a.txt', content);
      await runUntilDone(endTopology({ path, chunkBytes: 8 }));
      expect(seenLines).toEqual(lines);
      // Both tasks (allGrouping) got the marker, and each time every line had been acked already.
      expect(atEnd).toHaveLength(2);
      for (const snapshot of atEnd) expect([...snapshot].sort((a, b) => a - b)).toEqual(lineStarts(readFileSync(path)));
      expect(acked.filter((id) => id === -1)).toHaveLength(1);
      expect(probe!.isExhausted()).toBe(true);
    });

    it('re-emits a failed marker until it is acked, and not before', async () => {
      failEnds = 1;
      await runUntilDone(endTopology({ path: file('a.txt', 'x\ny\n'), linesPerTuple: 5 }));
      // First try: 2 tasks, one failed the tree; the replay reaches both tasks again.
      expect(atEnd).toHaveLength(4);
      expect(acked.filter((id) => id === -1)).toHaveLength(1);
      expect(probe!.isExhausted()).toBe(true);
    });

    it('sends the marker for an empty file too', async () => {
      await runUntilDone(endTopology({ path: file('empty.txt', '') }));
      expect(seenLines).toEqual([]);
      expect(atEnd).toEqual([[], []]);
    });

    it('refuses to run without ackers, where the marker could overtake the lines', async () => {
      const cluster = new LocalCluster();
      try {
        await expect(cluster.submit(endTopology({ path: file('a.txt', 'x\n') }), { config: { ackers: 0 } }))
          .rejects.toMatchObject({ cause: { code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/needs tuple tracking/) } });
      } finally {
        await cluster.shutdown(0);
      }
    });

    it('rejects an empty or "default" stream id', () => {
      for (const endStream of ['', 'default']) {
        expect(() => new FileLineSpout({ path: 'x', endStream })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
      }
    });
  });

  it('emits nothing for an empty file and is exhausted', async () => {
    const out = await completeTopology(topology({ path: file('empty.txt', '') }));
    expect(out.emitted('lines')).toEqual([]);
    expect(probe!.isExhausted()).toBe(true);
  });

  it('decodes latin1 when asked', async () => {
    const path = file('l1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const out = await completeTopology(topology({ path, encoding: 'latin1' }));
    expect(out.emitted('lines')).toEqual([['café']]);
  });

  it('replays a failed line, with the same offset, until it is acked', async () => {
    /** Fails each line the first time it sees it. */
    const seen = new Set<string>();
    const executed: string[] = [];
    class FailFirst extends BaseBasicBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        const line = t.getStringByField('line');
        executed.push(line);
        if (!seen.has(line)) {
          seen.add(line);
          throw new FailedException('first attempt');
        }
      }
    }
    const all = Array.from({ length: 200 }, (_, i) => `line ${i}`);
    const path = file('r.txt', all.join('\n') + '\n');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology({ path, chunkBytes: 64 }, new FailFirst()));
      expect(await t.waitUntilDone(20_000)).toBe(true);
      const stats = t.stats().find((s) => s.component === 'lines')!;
      expect(stats).toMatchObject({ emitted: 400, acked: 200, failed: 200 });
      expect(t.errors()).toEqual([]);
    } finally {
      await cluster.shutdown(0);
    }
    expect(executed.filter((l) => l === 'line 7')).toEqual(['line 7', 'line 7']);
    expect([...acked].sort((a, b) => a - b)).toEqual(lineStarts(readFileSync(path)));
  });

  it('replays a line read again from the file: CRLF, empty lines, multi-byte text and a last line without newline come back the same', async () => {
    const emits: [number, unknown][] = [];
    class EmitRecordingSpout extends FileLineSpout {
      override open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
        return super.open(context, {
          emit: (values, id) => {
            emits.push([id as number, values[0]]);
            collector.emit(values, id);
          },
          emitStream: (stream, values, id) => collector.emitStream(stream, values, id),
          emitDirect: (task, values, id, stream) => collector.emitDirect(task, values, id, stream),
          emitTree: (tuples, id, stream) => collector.emitTree(tuples, id, stream),
          reportError: (e) => collector.reportError(e),
        });
      }
    }
    let executions = 0;
    /** Fails every other tuple it runs: replays of every kind of line. */
    class FailHalf extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        if (executions++ % 2 === 0) this.collector.fail(t);
        else this.collector.ack(t);
      }
    }
    const path = file('c.txt', content);
    for (const linesPerTuple of [undefined, 2]) {
      emits.length = 0;
      executions = 0;
      const b = new TopologyBuilder();
      b.setSpout('lines', new EmitRecordingSpout({ path, chunkBytes: 5, ...(linesPerTuple === undefined ? {} : { linesPerTuple }) }));
      b.setBolt('sink', new FailHalf()).shuffleGrouping('lines');
      const cluster = new LocalCluster();
      try {
        const t = await cluster.submit(b.build({ name: 'file-replay' }));
        expect(await t.waitUntilDone(10_000)).toBe(true);
        expect(t.errors()).toEqual([]);
      } finally {
        await cluster.shutdown(0);
      }
      // Every emit of an id (the first, read from the buffer, and its replays, read again from the
      // file) carries the same value; the first emits, in offset order, are the file's lines.
      const first = new Map<number, unknown>();
      for (const [id, value] of emits) {
        if (first.has(id)) expect(value).toEqual(first.get(id));
        else first.set(id, value);
      }
      expect(emits.length).toBeGreaterThan(first.size); // some were replays
      const ids = [...first.keys()].sort((x, y) => x - y);
      const starts = lineStarts(readFileSync(path));
      if (linesPerTuple === undefined) expect(ids).toEqual(starts);
      expect(ids.flatMap((id) => first.get(id) as string | string[])).toEqual(lines);
    }
  });

  it('reports a line the truncated file no longer holds and drops it instead of replaying it', async () => {
    const { held, bolt, collector } = holdingBolt();
    const path = file('t.txt', 'one\ntwo\nthree\n');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology({ path }, bolt));
      expect(await t.waitUntil(() => held.length === 3, 10_000)).toBe(true);
      truncateSync(path, 4); // only "one\n" is left
      for (const tuple of held) collector().fail(tuple);
      // The two reports differ only in the byte offset: one entry counted twice (docs/errors.md, "Recent errors").
      expect(await t.waitUntil(() => held.length === 4 && t.errors().reduce((n, e) => n + (e.count ?? 1), 0) === 2, 10_000)).toBe(true);
      expect(held.map((x) => x.getStringByField('line'))).toEqual(['one', 'two', 'three', 'one']);
      for (const e of t.errors()) expect(e.message).toMatch(/cannot replay the line at byte (4|8) of .*truncated/);
      collector().ack(held[3]!);
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(probe!.isExhausted()).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('is not exhausted while emitted lines are unacked', async () => {
    const { held, bolt, collector } = holdingBolt();
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(topology({ path: file('h.txt', 'a\nb\nc\n') }, bolt));
      expect(await t.waitUntil(() => held.length === 3, 10_000)).toBe(true);
      expect(probe!.isExhausted()).toBe(false);
      for (const tuple of held) collector().ack(tuple);
      expect(await t.waitUntilDone(10_000)).toBe(true);
      expect(probe!.isExhausted()).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('works without ackers (every emit completes at once)', async () => {
    const out = await completeTopology(topology({ path: file('a.txt', content) }), { config: { ackers: 0 } });
    expect(out.emitted('lines')).toHaveLength(lines.length);
  });

  it('fails to open a missing file with GALE_ERR_FILE_NOT_FOUND naming the path', async () => {
    const path = join(dir, 'missing.txt');
    const cluster = new LocalCluster();
    try {
      const err = await cluster.submit(topology({ path })).then(() => undefined, (e: unknown) => e as Error & { code: string });
      expect(err).toMatchObject({ code: 'GALE_ERR_SPOUT_OPEN' });
      expect(err!.message).toContain(path);
      expect(err!.cause).toBeInstanceOf(FileNotFoundError);
      expect(err!.cause).toMatchObject({ code: 'GALE_ERR_FILE_NOT_FOUND', path });
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('refuses a directory with GALE_ERR_FILE_READ', async () => {
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(topology({ path: dir }))).rejects.toMatchObject({ cause: { code: 'GALE_ERR_FILE_READ', message: `input path ${dir} is a directory, not a file; give the spout the path of a file, e.g. ${dir}/<name>` } });
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('refuses to run as more than one task', async () => {
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(topology({ path: file('a.txt', 'x\n') }, new Sink(), 2)))
        .rejects.toMatchObject({ cause: { code: 'GALE_ERR_SINGLE_TASK_ONLY' } });
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('rejects bad options when constructed', () => {
    expect(() => new FileLineSpout({ path: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new FileLineSpout({ path: 'x', chunkBytes: 0 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new FileLineSpout({ path: 'x', encoding: 'utf16le' as 'utf8' })).toThrow(/encoding must be one of/);
    for (const linesPerTuple of [0, -1, 2.5, Number.NaN, '10' as unknown as number]) {
      expect(() => new FileLineSpout({ path: 'x', linesPerTuple })).toThrow(expect.objectContaining({
        code: 'GALE_ERR_BAD_OPTION', message: expect.stringMatching(/linesPerTuple must be an integer >= 1/),
      }));
    }
  });

  it('closes idempotently', async () => {
    const cluster = new LocalCluster();
    try {
      await cluster.submit(topology({ path: file('a.txt', 'x\n') }));
    } finally {
      await cluster.shutdown(0);
    }
    await probe!.close();
    await probe!.close();
  });
});

/** A bolt that keeps every input un-acked, for the test to ack or fail through `collector()`. */
function holdingBolt(): { held: Tuple[]; bolt: BaseRichBolt; collector: () => OutputCollector } {
  const held: Tuple[] = [];
  let out: OutputCollector | undefined;
  class Hold extends BaseRichBolt {
    declareOutputFields(): void {}
    override prepare(context: TopologyContext, c: OutputCollector): void {
      super.prepare(context, c);
      out = c;
    }
    execute(t: Tuple): void {
      held.push(t);
    }
  }
  return { held, bolt: new Hold(), collector: () => out! };
}
