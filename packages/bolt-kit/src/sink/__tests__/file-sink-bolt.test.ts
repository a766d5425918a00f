import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedTupleSpout, LocalCluster, TopologyBuilder, type BasicBolt, type Values } from '@gale/runtime';
import { CountsFileSinkBolt, FileSinkBolt, formatTabSeparated } from '@gale/bolt-kit';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-sink-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs src(tuples) --global--> sink until done, then kills the topology so cleanup() writes. */
async function runSink(sink: BasicBolt, tuples: Values[], fields: string[], parallelism = 1): Promise<{ errors: string[]; counts: number[] }> {
  const b = new TopologyBuilder();
  b.setSpout('src', new FixedTupleSpout(tuples, fields));
  b.setBolt('sink', sink, parallelism).globalGrouping('src');
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(b.build({ name: 'sink' }));
    expect(await t.waitUntilDone(10_000)).toBe(true);
    await cluster.kill('sink');
    return { errors: t.errors().map((e) => e.message), counts: t.errors().map((e) => e.count ?? 1) };
  } finally {
    await cluster.shutdown(0);
  }
}

describe('FileSinkBolt', () => {
  it('writes one tab-separated line per tuple, in arrival order, when the topology is killed', async () => {
    const path = join(dir, 'out.tsv');
    const tuples: Values[] = [['a', 1], ['b', 2], ['c', { x: 1 }], ['d', null]];
    const { errors } = await runSink(new FileSinkBolt({ path }), tuples, ['k', 'v']);
    expect(errors).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe('a\t1\nb\t2\nc\t{"x":1}\nd\tnull\n');
    // The temporary file was renamed away.
    expect(readdirSync(dir)).toEqual(['out.tsv']);
  });

  it('uses a custom format, creates parent directories and replaces an existing file', async () => {
    const path = join(dir, 'nested', 'deeper', 'out.txt');
    await runSink(new FileSinkBolt({ path, format: (v) => `${String(v[0])}=${String(v[1])}` }), [['a', 1]], ['k', 'v']);
    expect(readFileSync(path, 'utf8')).toBe('a=1\n');
    await runSink(new FileSinkBolt({ path }), [['z', 9]], ['k', 'v']);
    expect(readFileSync(path, 'utf8')).toBe('z\t9\n');
  });

  it('writes an empty file when no tuple arrived', async () => {
    const path = join(dir, 'empty.txt');
    await runSink(new FileSinkBolt({ path }), [], ['k']);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('reports a failed write as GALE_ERR_FILE_WRITE and leaves no temporary file', async () => {
    writeFileSync(join(dir, 'file'), 'not a directory');
    const path = join(dir, 'file', 'out.txt');
    const { errors } = await runSink(new FileSinkBolt({ path }), [['a']], ['k']);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`cannot write output file ${path}`);
    expect(readdirSync(dir)).toEqual(['file']);
  });

  it('refuses to run as more than one task', async () => {
    const b = new TopologyBuilder();
    b.setSpout('src', new FixedTupleSpout([], ['k']));
    b.setBolt('sink', new FileSinkBolt({ path: join(dir, 'x') }), 2).globalGrouping('src');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 's' }))).rejects.toMatchObject({ code: 'GALE_ERR_BOLT_PREPARE', cause: { code: 'GALE_ERR_SINGLE_TASK_ONLY' } });
    } finally {
      await cluster.shutdown(0);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('formats objects as JSON and other values with String()', () => {
    expect(formatTabSeparated(['a', 1, true, undefined, [1, 2], { k: 'v' }])).toBe('a\t1\ttrue\tundefined\t[1,2]\t{"k":"v"}');
    expect(formatTabSeparated([])).toBe('');
  });

  it('rejects bad options', () => {
    expect(() => new FileSinkBolt({ path: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new FileSinkBolt({ path: 'x', format: 'json' as unknown as () => string })).toThrow(/format must be a function/);
  });
});

describe('CountsFileSinkBolt', () => {
  it('keeps the latest count per key and writes them by count descending, then key ascending', async () => {
    const path = join(dir, 'counts.tsv');
    const tuples: Values[] = [
      ['b', 1], ['a', 1], ['b', 2], ['C', 1], ['c', 1], ['a', 2], ['z', 5], ['z', 2], ['d', 2], ['aa', 2], ['B', 2],
    ];
    const { errors } = await runSink(new CountsFileSinkBolt({ path }), tuples, ['word', 'count']);
    expect(errors).toEqual([]);
    // z's latest count is 2 (not its maximum); uppercase sorts before lowercase (code-unit order).
    expect(readFileSync(path, 'utf8')).toBe('B\t2\na\t2\naa\t2\nb\t2\nd\t2\nz\t2\nC\t1\nc\t1\n');
  });

  it('orders keys of equal count by UTF-16 code units, as strings, over many counts', async () => {
    const path = join(dir, 'counts.tsv');
    // U+FF21 sorts after the emoji's surrogates (0xD83D) by code units, before it by code points.
    const odd: Values[] = [['\uff21', 3], ['\u{1f600}', 3], ['é', 3], ['z', 3], [10, 3], [9, 3]];
    const many: Values[] = Array.from({ length: 300 }, (_, i) => [`w${i}`, (i * 7) % 13]);
    await runSink(new CountsFileSinkBolt({ path }), [...many, ...odd], ['word', 'count']);
    const expected = [...many, ...odd]
      .map(([k, n]) => [String(k), n as number] as const)
      .sort((a, b) => (a[1] !== b[1] ? b[1] - a[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, n]) => `${k}\t${n}\n`).join('');
    expect(readFileSync(path, 'utf8')).toBe(expected);
    const threes = readFileSync(path, 'utf8').split('\n').filter((l) => l.endsWith('\t3') && !l.startsWith('w'));
    expect(threes).toEqual(['10\t3', '9\t3', 'z\t3', 'é\t3', '\u{1f600}\t3', '\uff21\t3']);
  });

  it('writes the rows of a count that is not a number last, whatever the order they came in', async () => {
    const path = join(dir, 'counts.tsv');
    for (const tuples of [[['x', 'n/a'], ['a', 2], ['b', 1], ['y', 'n/a']], [['a', 2], ['y', 'n/a'], ['b', 1], ['x', 'n/a']]] as Values[][]) {
      await runSink(new CountsFileSinkBolt({ path }), tuples, ['word', 'count']);
      expect(readFileSync(path, 'utf8')).toBe('a\t2\nb\t1\nx\tNaN\ny\tNaN\n');
    }
  });

  it('reads custom key and count fields', async () => {
    const path = join(dir, 'counts.tsv');
    await runSink(new CountsFileSinkBolt({ path, keyField: 'user', countField: 'n' }), [[3, 'x', 'ann'], [7, 'y', 'bob']], ['n', 'other', 'user']);
    expect(readFileSync(path, 'utf8')).toBe('bob\t7\nann\t3\n');
  });

  it('writes an empty file when no counts arrived', async () => {
    const path = join(dir, 'counts.tsv');
    await runSink(new CountsFileSinkBolt({ path }), [], ['word', 'count']);
    expect(readFileSync(path, 'utf8')).toBe('');
  });

  it('with arrays, takes many keys and counts per tuple, the latest count per key, and skips a mis-shaped tuple as bad data', async () => {
    const path = join(dir, 'counts.tsv');
    const tuples: Values[] = [
      [['b', 'a', 'z'], [1, 1, 5]],
      [['z', 'c'], 'x'],
      [['a', 'c'], [2]],
      [['z', 'c'], [2, 1]],
    ];
    const { errors, counts } = await runSink(new CountsFileSinkBolt({ path, keyField: 'words', countField: 'counts', arrays: true }), tuples, ['words', 'counts']);
    expect(readFileSync(path, 'utf8')).toBe('z\t2\na\t1\nb\t1\nc\t1\n');
    // Bad data folds by code into one recent-errors entry: the latest message, counted twice.
    expect(errors).toEqual([expect.stringMatching(/fields "words" and "counts" must be arrays of the same length, got an array of 2 and an array of 1/)]);
    expect(counts).toEqual([2]);
    expect(() => new CountsFileSinkBolt({ path, arrays: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
  });

  it('refuses to run as more than one task', async () => {
    const b = new TopologyBuilder();
    b.setSpout('src', new FixedTupleSpout([], ['word', 'count']));
    b.setBolt('sink', new CountsFileSinkBolt({ path: join(dir, 'x') }), { parallelism: 1, numTasks: 2 }).globalGrouping('src');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 's' }))).rejects.toMatchObject({ cause: { code: 'GALE_ERR_SINGLE_TASK_ONLY' } });
    } finally {
      await cluster.shutdown(0);
    }
  });
});
