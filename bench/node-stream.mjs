#!/usr/bin/env node
// Whole-process comparison (issue 9): `gale local topologies/word-count.ts ... --until-idle` against
// what a Node developer would write first — an objectMode stream pipeline (fs read stream →
// Transform that splits into words → Writable that counts in a Map, then writes the same
// `word<TAB>count` file). Each side is a fresh process timed from spawn to exit, runs alternate,
// and both output files must be byte-identical.
//
//   node bench/node-stream.mjs [words] [runs]          the comparison; prints one JSON line
//   node bench/node-stream.mjs --pipeline <in> <out>   the stream pipeline alone (what is timed)
//
// run.mjs calls runNodeStreamScenario(); GALE_BENCH_SKIP_NODE_STREAM=1 skips it there.
// gale runs word-count.ts's default shape (batches of lines counted into running totals per `split` task);
// GALE_BENCH_NODE_STREAM_LINES_PER_TUPLE=1 times the classic shape (a tuple per line and per word)
// instead — the value is passed as `--set linesPerTuple=<n>` and recorded as `linesPerTuple`.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { rng } from './corpus.mjs';


const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

/** The splitter of topologies/word-count.ts (forEachAsciiWord), inlined: same words, same case rule. */
function forEachAsciiWord(line, onWord) {
  const n = line.length;
  let start = -1;
  let upper = false;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
      if (start < 0) start = i;
    } else if (c >= 65 && c <= 90) {
      if (start < 0) start = i;
      upper = true;
    } else if (start >= 0) {
      onWord(upper ? line.slice(start, i).toLowerCase() : line.slice(start, i));
      start = -1;
      upper = false;
    }
  }
  if (start >= 0) onWord(upper ? line.slice(start).toLowerCase() : line.slice(start));
}

/** The objectMode pipeline: one pushed object per word, as a stream user would write it. */
async function streamPipeline(input, output) {
  let rest = '';
  const split = new Transform({
    readableObjectMode: true,
    decodeStrings: false,
    transform(chunk, _enc, done) {
      const text = rest + chunk;
      const last = text.lastIndexOf('\n');
      rest = text.slice(last + 1);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0 && nl <= last; nl = text.indexOf('\n', start)) {
        forEachAsciiWord(text.slice(start, nl), (w) => this.push(w));
        start = nl + 1;
      }
      done();
    },
    flush(done) {
      if (rest !== '') forEachAsciiWord(rest, (w) => this.push(w));
      done();
    },
  });
  const counts = new Map();
  const count = new Writable({
    objectMode: true,
    write(word, _enc, done) {
      counts.set(word, (counts.get(word) ?? 0) + 1);
      done();
    },
  });
  await pipeline(createReadStream(input, { encoding: 'utf8' }), split, count);
  // The order and format of CountsFileSinkBolt: count descending, then word in code-unit order.
  const rows = [...counts].sort((a, b) => (a[1] !== b[1] ? b[1] - a[1] : a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  writeFileSync(output, rows.map(([w, n]) => `${w}\t${n}\n`).join(''));
}

function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return seconds;
}

/**
 * Writes (once) a corpus of `words` words drawn from a Zipf (s = 1) vocabulary of `vocab` words —
 * the sample text's words, then the same with numeric suffixes — in lines of 4–20 words with
 * some capitals and punctuation: 2M words give ~49k distinct words, the shape of the issue's
 * corpus (bench/corpus.mjs's sample lines have under 1k distinct words).
 */
export function ensureZipfCorpus(words, vocab = 50_000) {
  const path = join(tmpdir(), `gale-bench-zipf-${words}-${vocab}.txt`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const base = [...new Set(readFileSync(join(root, 'topologies', 'data', 'sample.txt'), 'utf8').toLowerCase().match(/[a-z0-9]+/g))];
  const cdf = new Float64Array(vocab);
  let h = 0;
  for (let i = 0; i < vocab; i++) cdf[i] = h += 1 / (i + 1);
  const rand = rng(49);
  const pick = () => {
    const u = rand() * h;
    let lo = 0;
    let hi = vocab - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    const w = base[lo % base.length];
    return lo < base.length ? w : w + Math.floor(lo / base.length);
  };
  const parts = [];
  for (let written = 0; written < words;) {
    const n = Math.min(4 + Math.floor(rand() * 17), words - written);
    let line = '';
    for (let i = 0; i < n; i++) {
      let w = pick();
      if (i === 0) w = w[0].toUpperCase() + w.slice(1);
      line += (i === 0 ? '' : rand() < 0.08 ? ', ' : ' ') + w;
    }
    parts.push(`${line}.\n`);
    written += n;
  }
  writeFileSync(path + '.tmp', parts.join(''));
  renameSync(path + '.tmp', path);
  return path;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Alternates `runs` runs of each side over a corpus of `words` words; returns the medians (wall
 * seconds from spawn to exit) and gale's ratio to the stream pipeline (target ≤ 1.0).
 */
export async function runNodeStreamScenario(words = 2_000_000, runs = 3, log = (s) => process.stderr.write(s)) {
  const corpus = ensureZipfCorpus(words);
  const dir = mkdtempSync(join(tmpdir(), 'gale-bench-ns-'));
  try {
    const streamOut = join(dir, 'stream.tsv');
    const galeOut = join(dir, 'gale.tsv');
    const gale = join(root, 'packages', 'runtime', 'bin', 'gale.js');
    const stream = [];
    const galeRuns = [];
    const lpt = process.env.GALE_BENCH_NODE_STREAM_LINES_PER_TUPLE;
    const shape = lpt === undefined || lpt === '' ? [] : ['--set', `linesPerTuple=${lpt}`];
    for (let i = 0; i < runs; i++) {
      stream.push(timed(process.execPath, [fileURLToPath(import.meta.url), '--pipeline', corpus, streamOut]));
      galeRuns.push(timed(process.execPath, [gale, 'local', 'topologies/word-count.ts', '--set', `input=${corpus}`,
        '--set', `output=${galeOut}`, ...shape, '--until-idle', '--stats-interval', '0']));
      log(`  node stream pipeline ${stream.at(-1).toFixed(2)} s, gale local word-count ${galeRuns.at(-1).toFixed(2)} s\n`);
    }
    const a = readFileSync(streamOut);
    const b = readFileSync(galeOut);
    if (!a.equals(b)) throw new Error(`gale's word-count output differs from the stream pipeline's (${galeOut}, ${streamOut})`);
    const distinct = a.toString('utf8').split('\n').length - 1;
    const streamS = median(stream);
    const galeS = median(galeRuns);
    return { words, distinct, runs, linesPerTuple: lpt === undefined || lpt === '' ? 'default' : Number(lpt), streamSeconds: streamS, galeSeconds: galeS, ratio: galeS / streamS, stream, gale: galeRuns };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows for run.mjs's table printer. */
export function nodeStreamRows(r) {
  return [
    ['whole process, spawn to exit', 'seconds', 'x stream pipeline', 'target', 'met'],
    ['objectMode Node stream pipeline', r.streamSeconds.toFixed(2), '1.00', '-', '-'],
    ['gale local topologies/word-count.ts --until-idle', r.galeSeconds.toFixed(2), r.ratio.toFixed(2), '<= 1.00', r.ratio <= 1 ? 'yes' : 'NO'],
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--pipeline') {
    await streamPipeline(process.argv[3], process.argv[4]);
  } else {
    const r = await runNodeStreamScenario(Number(process.argv[2] ?? 2_000_000), Number(process.argv[3] ?? 3));
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
