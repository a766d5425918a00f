import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, FailedException, FixedTupleSpout, LocalCluster, ParamSet, TopologyBuilder, completeTopology, type BasicOutputCollector,
  type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { CountBolt, CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';
import wordCount, { buildWordCount, forEachAsciiWord, SplitWordsBolt } from '../word-count.js';

const SAMPLE = join(__dirname, '..', 'data', 'sample.txt');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-wc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The reference: the shell pipeline the topology must match, as word → count. */
function shellCounts(file: string): Map<string, number> {
  const script = `export LC_ALL=C; tr 'A-Z' 'a-z' < "$1" | tr -cs 'a-z0-9' '\\n' | grep -v '^$' | sort | uniq -c`;
  const out = execFileSync('bash', ['-c', script, 'bash', file], { encoding: 'utf8' });
  const counts = new Map<string, number>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\d+) (\S+)$/.exec(line);
    if (m !== null) counts.set(m[2]!, Number(m[1]));
    else expect(line).toBe('');
  }
  return counts;
}

/** Parses the sink's `word<TAB>count` file, checking its order as it goes. */
function readCounts(file: string): Map<string, number> {
  const text = readFileSync(file, 'utf8');
  const counts = new Map<string, number>();
  if (text === '') return counts;
  expect(text.endsWith('\n')).toBe(true);
  let prev: [string, number] | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const [word, n] = line.split('\t');
    const row: [string, number] = [word!, Number(n)];
    expect(counts.has(row[0])).toBe(false);
    if (prev !== undefined) {
      // Count descending, then word ascending.
      expect(prev[1] > row[1] || (prev[1] === row[1] && prev[0] < row[0])).toBe(true);
    }
    counts.set(row[0], row[1]);
    prev = row;
  }
  return counts;
}

async function runToCompletion(topology: ReturnType<typeof buildWordCount>): Promise<void> {
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(topology);
    expect(await t.waitUntilDone(30_000)).toBe(true);
    expect(t.errors()).toEqual([]);
    await cluster.kill(t.name);
  } finally {
    await cluster.shutdown(0);
  }
}

function sorted(m: Map<string, number>): [string, number][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('word-count topology', () => {
  it('counts the bundled sample exactly like tr | sort | uniq -c', async () => {
    const output = join(dir, 'counts.tsv');
    await runToCompletion(buildWordCount({ input: SAMPLE, output }));
    const expected = shellCounts(SAMPLE);
    expect(expected.size).toBeGreaterThan(500);
    expect(sorted(readCounts(output))).toEqual(sorted(expected));
  });

  it('matches the shell on CRLF, non-ASCII, digits, empty lines and a last line without newline', async () => {
    const input = join(dir, 'tricky.txt');
    const parts: (string | Buffer)[] = [
      '\uFEFFFirst line, with a BOM.\r\n',
      '\r\n',
      '\n',
      'Café NAÏVE naïve café cafe\u0301 x\r\n',
      'Kelvin \u212A and \u0130stanbul: \u212Aelvin \u0130i; ligature \uFB01ne; fullwidth \uFF21\uFF11 A1\n',
      'digits 007 42 4,2 4.2 3rd 2nd 1st\n',
      'tabs\there\tand\u00A0nbsp and\u2003em-space\r\n',
      'mid\rline carriage\rreturns\n',
      'emoji \u{1F600}smile\u{1F600} end\n',
      Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b, 0x0a]), // invalid UTF-8
      'UPPER lower MiXeD upper LOWER mixed\n',
      '   \n',
      '--- !!! ...\n',
      'The end, without a newline',
    ];
    writeFileSync(input, Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))));
    const output = join(dir, 'counts.tsv');
    await runToCompletion(buildWordCount({ input, output }));
    const got = readCounts(output);
    expect(sorted(got)).toEqual(sorted(shellCounts(input)));
    // Spot checks of the intent, independent of the shell.
    expect(got.get('caf')).toBe(3);
    expect(got.get('na')).toBe(2);
    expect(got.get('ve')).toBe(2);
    expect(got.has('kelvin')).toBe(true);
    expect(got.get('elvin')).toBe(1);
    expect(got.get('newline')).toBe(1);
  });

  it('writes the same counts in the classic shape (a tuple per line and per word) and with small batches', async () => {
    const classic = join(dir, 'classic.tsv');
    const small = join(dir, 'small.tsv');
    const batched = join(dir, 'batched.tsv');
    await runToCompletion(buildWordCount({ input: SAMPLE, output: classic, linesPerTuple: 1 }));
    await runToCompletion(buildWordCount({ input: SAMPLE, output: small, linesPerTuple: 3 }));
    await runToCompletion(buildWordCount({ input: SAMPLE, output: batched }));
    const expected = readFileSync(batched);
    expect(readFileSync(classic).equals(expected)).toBe(true);
    expect(readFileSync(small).equals(expected)).toBe(true);
    expect(sorted(readCounts(batched))).toEqual(sorted(shellCounts(SAMPLE)));
  });

  it('shapes the topology by linesPerTuple: a combiner split above 1, a per-word split at 1', () => {
    const fieldsOf = (t: ReturnType<typeof buildWordCount>, id: string): readonly string[] =>
      t.components.get(id)!.streams.get('default')!.fields.names;
    const batched = buildWordCount({ input: SAMPLE, output: join(dir, 'x.tsv') });
    expect(fieldsOf(batched, 'split')).toEqual(['part', 'words', 'totals']);
    expect(fieldsOf(batched, 'count')).toEqual(['words', 'counts']);
    const classic = buildWordCount({ input: SAMPLE, output: join(dir, 'x.tsv'), linesPerTuple: 1 });
    expect(fieldsOf(classic, 'split')).toEqual(['word']);
    for (const bad of [0, 1.5, -2, Number.NaN]) {
      expect(() => buildWordCount({ input: SAMPLE, output: 'x', linesPerTuple: bad })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    }
    const params = new ParamSet({ input: SAMPLE, output: join(dir, 'x.tsv'), linesPerTuple: '1' });
    expect(fieldsOf(wordCount(params), 'split')).toEqual(['word']);
    expect(params.unconsumed()).toEqual([]);
  });

  it('batched: sends the sink the final counts at the end of input, one tuple per count task; classic: every update', async () => {
    const expected = shellCounts(SAMPLE);
    const words = [...expected.values()].reduce((a, b) => a + b, 0);
    const sinkExecuted = async (linesPerTuple: number | undefined): Promise<number> => {
      const cluster = new LocalCluster();
      try {
        const t = await cluster.submit(buildWordCount({ input: SAMPLE, output: join(dir, `x${linesPerTuple}.tsv`), ...(linesPerTuple === undefined ? {} : { linesPerTuple }) }));
        expect(await t.waitUntilDone(30_000)).toBe(true);
        return t.stats().find((c) => c.component === 'sink')!.executed;
      } finally {
        await cluster.shutdown(0);
      }
    };
    // The sample's 966 words: at most 16,384 a tuple, and each of the 2 count tasks has some.
    expect(await sinkExecuted(undefined)).toBe(2);
    expect(await sinkExecuted(3)).toBe(2);
    expect(await sinkExecuted(1)).toBe(words);
  });

  it('combines a batch: [word, n] once per distinct word, in first-seen order', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout([[['The cat', 'the CAT sat.', '']], ['a line, a word']], ['line']));
    b.setBolt('split', new SplitWordsBolt({ combine: true })).shuffleGrouping('lines');
    const out = await completeTopology(b.build({ name: 'combine' }));
    expect(out.emitted('split')).toEqual([['the', 2], ['cat', 2], ['sat', 1], ['a', 2], ['line', 1], ['word', 1]]);
  });

  it('writes an empty file for empty input', async () => {
    const input = join(dir, 'empty.txt');
    writeFileSync(input, '');
    const output = join(dir, 'out', 'counts.tsv');
    await runToCompletion(buildWordCount({ input, output }));
    expect(readFileSync(output, 'utf8')).toBe('');
  });

  it('reads input and output from --set params through the default export', () => {
    const params = new ParamSet({ input: SAMPLE, output: join(dir, 'x.tsv') });
    const t = wordCount(params);
    expect(t.name).toBe('word-count');
    expect([...t.components.keys()].sort()).toEqual(['count', 'lines', 'sink', 'split']);
    expect(params.unconsumed()).toEqual([]);
    expect(() => wordCount(new ParamSet({ input: SAMPLE }))).toThrow(expect.objectContaining({ code: 'GALE_ERR_MISSING_PARAM' }));
  });

  it('splits on every non-[A-Za-z0-9] character and lower-cases ASCII only', () => {
    const words = (line: string): string[] => {
      const out: string[] = [];
      forEachAsciiWord(line, (w) => out.push(w));
      return out;
    };
    expect(words('')).toEqual([]);
    expect(words('  ')).toEqual([]);
    expect(words('Hello, World!')).toEqual(['hello', 'world']);
    expect(words("don't stop-me 4ever x2")).toEqual(['don', 't', 'stop', 'me', '4ever', 'x2']);
    expect(words('café\u212Aelvin\u0130X')).toEqual(['caf', 'elvin', 'x']);
    expect(words('ABC')).toEqual(['abc']);
    expect(words('a\tb\rc')).toEqual(['a', 'b', 'c']);
  });

  describe('with ~10% of word tuples failing', () => {
    /** Line offsets acked to the spout, across its task copies. */
    const acked: number[] = [];

    class RecordingLineSpout extends FileLineSpout {
      override ack(messageId: unknown): void {
        acked.push(messageId as number);
        super.ack(messageId);
      }
    }

    /** Fails about one word tuple in ten, from a seeded generator, so runs are reproducible. */
    /** Fails about one tuple in ten (xorshift32, fixed seed), passing the others on unchanged. */
    class FlakyBolt extends BaseBasicBolt {
      private state = 0x9e3779b9;
      constructor(private readonly fields: string[]) {
        super();
      }
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(this.fields);
      }
      execute(t: Tuple, c: BasicOutputCollector): void {
        let x = this.state;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this.state = x >>> 0;
        if (this.state % 10 === 0) throw new FailedException('flaky');
        c.emit(this.fields.map((_, i) => t.getValue(i)));
      }
    }

    /** Fails its first `failures` inputs (per task), passing the others on unchanged. */
    class FailFirstBolt extends BaseBasicBolt {
      constructor(private readonly fields: string[], private failures: number) {
        super();
      }
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(this.fields);
      }
      execute(t: Tuple, c: BasicOutputCollector): void {
        if (this.failures > 0) {
          this.failures--;
          throw new FailedException('fail first');
        }
        c.emit(this.fields.map((_, i) => t.getValue(i)));
      }
    }

    /** Runs the topology until done with a short replay backoff; returns the spout's failures. */
    async function runFlaky(b: TopologyBuilder, name: string): Promise<number> {
      const cluster = new LocalCluster();
      try {
        // A 17-word line succeeds with p = 0.9^17 ≈ 0.17 per try, so under the default replay
        // backoff (100 ms doubling to 10 s) its tail alone can outlast the wait below. This test is
        // about replay correctness, not backoff (replay-backoff.test.ts covers that): keep it short.
        const config = { replayBackoffInitialMs: 5, replayBackoffMaxMs: 50 };
        const t = await cluster.submit(b.build({ name, config }));
        expect(await t.waitUntilDone(30_000)).toBe(true);
        const failed = t.stats().find((s) => s.component === 'lines')!.failed;
        await cluster.kill(t.name);
        return failed;
      } finally {
        await cluster.shutdown(0);
      }
    }

    /** Every line start of the sample file, as byte offsets. */
    function lineStarts(): number[] {
      const bytes = readFileSync(SAMPLE);
      const starts = [0];
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a && i + 1 < bytes.length) starts.push(i + 1);
      return starts;
    }

    /** Replays re-count the words of a replayed line: at least the true count, never less, more in all. */
    function expectRecounted(output: string): void {
      const expected = shellCounts(SAMPLE);
      const got = readCounts(output);
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [word, n] of expected) expect(got.get(word)).toBeGreaterThanOrEqual(n);
      expect([...got.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan([...expected.values()].reduce((a, b) => a + b, 0));
    }

    it('replays failed lines until every line offset is acked exactly once; no word is lost', async () => {
      acked.length = 0;
      const output = join(dir, 'counts.tsv');
      const b = new TopologyBuilder();
      b.setSpout('lines', new RecordingLineSpout({ path: SAMPLE }));
      b.setBolt('split', new SplitWordsBolt(), 2).shuffleGrouping('lines');
      b.setBolt('flaky', new FlakyBolt(['word']), 2).shuffleGrouping('split');
      b.setBolt('count', new CountBolt(), 2).fieldsGrouping('flaky', ['word']);
      b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('count');
      expect(await runFlaky(b, 'word-count-flaky')).toBeGreaterThan(10);
      expect([...acked].sort((a, b) => a - b)).toEqual(lineStarts());
      expectRecounted(output);
    });

    it('batched: replays a batch whose partial count failed until each batch is acked once; no word is lost', async () => {
      acked.length = 0;
      const output = join(dir, 'counts.tsv');
      const b = new TopologyBuilder();
      b.setSpout('lines', new RecordingLineSpout({ path: SAMPLE, linesPerTuple: 4, chunkBytes: 512 }));
      b.setBolt('split', new SplitWordsBolt({ combine: true }), 2).shuffleGrouping('lines');
      b.setBolt('flaky', new FlakyBolt(['word', 'n']), 2).shuffleGrouping('split');
      b.setBolt('count', new CountBolt({ amountField: 'n' }), 2).fieldsGrouping('flaky', ['word']);
      b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('count');
      expect(await runFlaky(b, 'word-count-flaky-batched')).toBeGreaterThan(10);

      // Each batch is acked once, under the offset of its first line: distinct line starts, the first included.
      const starts = new Set(lineStarts());
      expect(new Set(acked).size).toBe(acked.length);
      expect(acked.every((o) => starts.has(o))).toBe(true);
      expect(acked).toContain(0);
      expect(acked.length).toBeGreaterThanOrEqual(starts.size / 4);
      expectRecounted(output);
    });

    it('batched, failures between count and sink: the end marker is replayed and the counts stay exact', async () => {
      acked.length = 0;
      const output = join(dir, 'counts.tsv');
      const b = new TopologyBuilder();
      b.setSpout('lines', new RecordingLineSpout({ path: SAMPLE, linesPerTuple: 4, chunkBytes: 512, endStream: 'end' }));
      b.setBolt('split', new SplitWordsBolt({ combine: true }), 2).shuffleGrouping('lines');
      b.setBolt('count', new CountBolt({ amountField: 'n', flushOn: 'end' }), 2).fieldsGrouping('split', ['word']).allGrouping('lines', 'end');
      b.setBolt('flaky', new FailFirstBolt(['word', 'count'], 3), 2).shuffleGrouping('count');
      b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('flaky');
      // Only the marker's tree crosses flaky, whose tasks fail their first inputs: the first
      // marker fails (its tables partly reached the sink), a replay succeeds.
      expect(await runFlaky(b, 'word-count-flaky-end')).toBeGreaterThan(0);
      expect(acked.filter((id) => id === -1)).toHaveLength(1);
      // Replayed tables are absorbed by the sink (latest count per word): exact, not recounted.
      expect(sorted(readCounts(output))).toEqual(sorted(shellCounts(SAMPLE)));
    });
  });
});
