/**
 * word-count: counts the words of a text file and writes `word<TAB>count` lines, most frequent
 * first. A word is a maximal run of ASCII letters and digits, lower-cased; every other
 * character (punctuation, whitespace, any non-ASCII character) separates words. The result
 * equals `tr 'A-Z' 'a-z' < in | tr -cs 'a-z0-9' '\n' | grep -v '^$' | sort | uniq -c`.
 *
 *   lines (FileLineSpout, 1) --shuffle--> split (2) --fields(part; classic: word)--> count (2)
 *     --global--> sink (CountsFileSinkBolt, 1, writes the file on shutdown)
 *   lines --end (all)--> split --end (all)--> count   (batched shape only: the end-of-input marker)
 *
 * By default the spout emits batches of lines (`linesPerTuple`, one tuple tree per batch) and
 * each `split` task counts their words into running totals of its own (a combiner that never
 * resets, counting in a WordTable): a batch's tree completes as soon as its words are in the
 * table, and nothing crosses `split → count` while the file is read. Once the whole file was
 * read and every batch's tree completed, the spout emits an end-of-input marker on its `end`
 * stream (all grouping to `split`); each `split` task answers it with its totals, as
 * `[part, words, totals]` tuples (a word's part a function of the word: 32 parts, fields
 * grouping on `part`, at most 16,384 words a tuple), then the marker on its own `end` stream
 * (all grouping to `count`), all anchored to the marker. `count` (TaskTotalsBolt) keeps the
 * latest total per (word, split task) and, once every split task's marker arrived, sends `sink`
 * the sums as `[words, counts]` (CountsFileSinkBolt's `arrays`) — 64 tuples of totals into
 * `count` and 4 into `sink` on the benchmark's 2M-word corpus (49.7k distinct words), against 2M
 * per edge for the classic shape. At-least-once: a failed batch is replayed (its words may be
 * counted twice); a failure anywhere after the marker replays the marker, and the totals are
 * sent again whole, which `count` (latest per task, replaced) and the sink (latest count per
 * word) absorb. The output is the same file as with one tuple per line and per word — which
 * `--set linesPerTuple=1` gives (the classic Storm shape, every count update sent to `sink`).
 * Stopped before the end of input (Ctrl-C, `--duration`), the batched shape writes no counts;
 * the classic one writes the counts so far.
 *
 * Run: `gale local topologies/word-count.ts --set input=in.txt --set output=out.tsv --until-idle`.
 */
import {
  BaseBasicBolt, TopologyBuilder, TopologyError, type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyContext,
  type TopologyParams, type Tuple,
} from '@gale/runtime';
import { CountBolt, CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';
import { TaskTotalsBolt, TOTALS_PER_TUPLE } from './task-totals-bolt.js';
import { WordTable } from './word-table.js';

/**
 * Calls `onWord` with each word of `line`, lower-cased: a word is a maximal run of
 * `[A-Za-z0-9]`. Only ASCII letters are lower-cased, as `tr 'A-Z' 'a-z'` does:
 * `String.prototype.toLowerCase` would turn e.g. the Kelvin sign U+212A into an ASCII `k`.
 */
export function forEachAsciiWord(line: string, onWord: (word: string) => void): void {
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
      // The run is pure ASCII here, so toLowerCase only maps A-Z.
      onWord(upper ? line.slice(start, i).toLowerCase() : line.slice(start, i));
      start = -1;
      upper = false;
    }
  }
  if (start >= 0) onWord(upper ? line.slice(start).toLowerCase() : line.slice(start));
}

/**
 * How many `[part, words, totals]` tuples at most a {@link SplitWordsBolt} with `flushOn` sends
 * its totals in (a power of two). More parts than downstream tasks, so that `fieldsGrouping` on
 * `part` spreads the words over them about evenly whatever their number.
 */
export const SPLIT_TOTALS_PARTS = 32;
/** A word's part: the top bits of its {@link WordTable} hash. */
const PART_SHIFT = 32 - Math.log2(SPLIT_TOTALS_PARTS);

/** Options of {@link SplitWordsBolt}. */
export interface SplitWordsOptions {
  /**
   * Pre-aggregate each input tuple (a combiner): emit `[word, n]` once per distinct word of the
   * tuple's line(s), n its number of occurrences there, instead of `[word]` per occurrence.
   * Default false.
   */
  combine?: boolean;
  /**
   * With `combine`: a stream id (an end-of-input marker, e.g. a FileLineSpout's `endStream`
   * subscribed with `allGrouping`). The task then keeps running totals instead of emitting per
   * input — an input is acked once its words are in the table — and, when a tuple arrives on
   * this stream, emits every word it counted so far with its total, as `[part, words, totals]`
   * tuples (two arrays of the same length; {@link SPLIT_TOTALS_PARTS} parts, at most
   * {@link TOTALS_PER_TUPLE} words a tuple; subscribe with `fieldsGrouping(split, ['part'])`),
   * followed by `[]` on this same stream id, all anchored to the marker. The totals are this
   * task's only: the next stage sums the tasks' totals ({@link TaskTotalsBolt}). Re-sending
   * whole totals, not what changed, makes a replayed marker idempotent downstream. Default: none.
   */
  flushOn?: string;
}

/**
 * Splits field 0 — a line (`string`) or a batch of lines (`string[]`, from a FileLineSpout
 * with `linesPerTuple`) — into words, anchored to the input. Emits `[word]` per word, or with
 * `combine`, `[word, n]` per distinct word of the input, or with `flushOn`, the running totals
 * at the end of input (`[part, words, totals]`).
 */
export class SplitWordsBolt extends BaseBasicBolt {
  private readonly combine: boolean;
  private readonly flushOn: string | undefined;
  private out: BasicOutputCollector | undefined;
  private onWord!: (word: string) => void;
  /** Combine mode: this task's words, counted per input from the lines' characters. */
  private table!: WordTable;

  constructor(options: SplitWordsOptions = {}) {
    super();
    this.combine = options.combine ?? false;
    this.flushOn = options.flushOn;
    if (this.flushOn !== undefined && (!this.combine || typeof this.flushOn !== 'string' || this.flushOn === '')) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `SplitWordsBolt flushOn must be a non-empty stream id and needs combine, got ${JSON.stringify(this.flushOn)}`);
    }
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.flushOn !== undefined ? ['part', 'words', 'totals'] : this.combine ? ['word', 'n'] : ['word']);
    if (this.flushOn !== undefined) declarer.declareStream(this.flushOn, []);
  }

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    this.table = new WordTable();
    // Bound once, not per tuple (this is the hot path), and here rather than in a field
    // initialiser: per-task copies share function values, so an arrow created in the
    // constructor would keep pointing at the template instance.
    this.onWord = (word) => this.out!.emit([word]);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (tuple.isTick()) return;
    const value = tuple.values[0];
    if (this.flushOn !== undefined) {
      if (tuple.sourceStreamId === this.flushOn) this.flushTotals(collector, this.flushOn);
      else this.addAll(value);
      return;
    }
    if (this.combine) {
      this.combineInto(value, collector);
      return;
    }
    this.out = collector;
    if (typeof value === 'string') {
      forEachAsciiWord(value, this.onWord);
    } else if (Array.isArray(value)) {
      for (const line of value) if (typeof line === 'string') forEachAsciiWord(line, this.onWord);
    }
  }

  /** Counts the words of `value` (a line or a batch of lines); false when it is neither. */
  private addAll(value: unknown): boolean {
    const table = this.table;
    if (typeof value === 'string') {
      table.addLine(value);
    } else if (Array.isArray(value)) {
      for (const line of value) if (typeof line === 'string') table.addLine(line);
    } else {
      return false;
    }
    return true;
  }

  /**
   * `flushOn`: every word's running total, then the marker on `stream`; anchored to the marker.
   * The totals go out as `[part, words, totals]` tuples, {@link SPLIT_TOTALS_PARTS} parts, a
   * word's part a function of the word alone (so one `fieldsGrouping` on `part` sends a word to
   * the same task from every split task), at most {@link TOTALS_PER_TUPLE} words a tuple: a few
   * tuples instead of one per word.
   */
  private flushTotals(collector: BasicOutputCollector, stream: string): void {
    const words: string[][] = [];
    const totals: number[][] = [];
    for (let p = 0; p < SPLIT_TOTALS_PARTS; p++) {
      words.push([]);
      totals.push([]);
    }
    this.table.forEach((word, total, hash) => {
      const p = hash >>> PART_SHIFT;
      words[p]!.push(word);
      totals[p]!.push(total);
    });
    for (let p = 0; p < SPLIT_TOTALS_PARTS; p++) {
      const w = words[p]!;
      const t = totals[p]!;
      if (w.length <= TOTALS_PER_TUPLE) {
        if (w.length > 0) collector.emit([p, w, t]);
        continue;
      }
      for (let at = 0; at < w.length; at += TOTALS_PER_TUPLE) collector.emit([p, w.slice(at, at + TOTALS_PER_TUPLE), t.slice(at, at + TOTALS_PER_TUPLE)]);
    }
    collector.emitStream(stream, []);
  }

  /** Emits `[word, n]` once per distinct word of `value` (a line or a batch of lines). */
  private combineInto(value: unknown, collector: BasicOutputCollector): void {
    const table = this.table;
    if (!this.addAll(value)) return;
    try {
      table.forEach((word, n) => collector.emit([word, n]));
    } finally {
      // Also when an emit threw (the input fails and replays): the next input starts from zero.
      table.reset();
    }
  }
}

/** Inputs of {@link buildWordCount}. */
export interface WordCountOptions {
  /** Text file to count. */
  input: string;
  /** Where the counts are written when the topology shuts down. */
  output: string;
  /**
   * Lines per spout tuple (default {@link WORD_COUNT_LINES_PER_TUPLE}); above 1, `split`
   * combines each batch. 1 gives the classic shape: a tuple per line and one per word.
   */
  linesPerTuple?: number;
}

/**
 * Default lines per spout tuple: more than a read of {@link WORD_COUNT_CHUNK_BYTES} holds (~80
 * bytes a line of prose), so a batch is in practice everything buffered — one or two reads: one
 * tuple tree per ~1 MiB of text (14 on the benchmark's 13.5 MB corpus), each done once `split`
 * has its words in its running totals.
 */
export const WORD_COUNT_LINES_PER_TUPLE = 65_536;

/**
 * Bytes per read of the batched spout (1 MiB; FileLineSpout's default is 256 KiB). The spout
 * buffers less than two reads, so a batch stays under 2 MiB: well inside the cluster transport's
 * default 4 MiB frame (`maxFrameBytes`) when `lines → split` crosses workers.
 */
export const WORD_COUNT_CHUNK_BYTES = 1024 * 1024;

/**
 * The spout's end-of-input stream in the batched shape: each `split` task answers the marker
 * with its running totals and passes it on (same stream id) to `count`, which sums the tasks'
 * totals into `sink` once every split task's marker arrived.
 */
export const WORD_COUNT_END_STREAM = 'end';

/** Builds the word-count topology (named `word-count`). */
export function buildWordCount({ input, output, linesPerTuple = WORD_COUNT_LINES_PER_TUPLE }: WordCountOptions): Topology {
  if (!Number.isInteger(linesPerTuple) || linesPerTuple < 1) {
    throw new TopologyError('GALE_ERR_BAD_OPTION', `word-count linesPerTuple must be an integer >= 1, got ${JSON.stringify(linesPerTuple)}`);
  }
  const batched = linesPerTuple > 1;
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout(batched
    ? { path: input, linesPerTuple, chunkBytes: WORD_COUNT_CHUNK_BYTES, endStream: WORD_COUNT_END_STREAM }
    : { path: input }));
  if (batched) {
    b.setBolt('split', new SplitWordsBolt({ combine: true, flushOn: WORD_COUNT_END_STREAM }), 2)
      .shuffleGrouping('lines')
      .allGrouping('lines', WORD_COUNT_END_STREAM);
    b.setBolt('count', new TaskTotalsBolt({ flushOn: WORD_COUNT_END_STREAM }), 2)
      .fieldsGrouping('split', ['part'])
      .allGrouping('split', WORD_COUNT_END_STREAM);
  } else {
    b.setBolt('split', new SplitWordsBolt(), 2).shuffleGrouping('lines');
    b.setBolt('count', new CountBolt({ keyField: 'word' }), 2).fieldsGrouping('split', ['word']);
  }
  b.setBolt('sink', new CountsFileSinkBolt(batched ? { path: output, keyField: 'words', countField: 'counts', arrays: true } : { path: output }))
    .globalGrouping('count');
  return b.build({ name: 'word-count' });
}

/**
 * Entry point for `gale local|deploy`: needs `--set input=<file> --set output=<file>`; optional
 * `--set linesPerTuple=<n>` (see {@link WordCountOptions.linesPerTuple}).
 */
export default function wordCount(params: TopologyParams): Topology {
  return buildWordCount({
    input: params.string('input'),
    output: params.string('output'),
    linesPerTuple: params.number('linesPerTuple', WORD_COUNT_LINES_PER_TUPLE),
  });
}
