/**
 * word-count: counts the words of a text file and writes `word<TAB>count` lines, most frequent
 * first. A word is a maximal run of ASCII letters and digits, lower-cased; every other
 * character (punctuation, whitespace, any non-ASCII character) separates words. The result
 * equals `tr 'A-Z' 'a-z' < in | tr -cs 'a-z0-9' '\n' | grep -v '^$' | sort | uniq -c`.
 *
 *   lines (FileLineSpout, 1) --shuffle--> split (2) --fields(word)--> count (CountBolt, 2)
 *     --global--> sink (CountsFileSinkBolt, 1, writes the file on shutdown)
 *   lines --end (all)--> count   (batched shape only: the end-of-input marker)
 *
 * By default the spout emits batches of lines (`linesPerTuple`, one tuple tree per batch) and
 * `split` is a combiner: it counts the words of a batch and emits `[word, n]` once per distinct
 * word, anchored to the batch; `count` adds the n's (Trident's partitionAggregate, Flink's
 * combiner). `count` does not send every update to `sink`: once the whole file was read and
 * every batch's tree completed, the spout emits an end-of-input marker on its `end` stream (all
 * grouping to `count`), and each `count` task then emits its whole table, anchored to the
 * marker (Flink's `finish()` at end of input) — ~50k tuples into `sink` instead of one per
 * update. A failure in split or count replays its batch (at-least-once: its words may be
 * counted twice); a failure on the way to `sink` replays the marker, and the tables are sent
 * again, which the sink (latest count per word) absorbs. The output is the same file as with one
 * tuple per line and per word — which `--set linesPerTuple=1` gives (the classic Storm shape,
 * every count update sent to `sink`). Stopped before the end of input (Ctrl-C, `--duration`),
 * the batched shape writes no counts; the classic one writes the counts so far.
 *
 * Run: `gale local topologies/word-count.ts --set input=in.txt --set output=out.tsv --until-idle`.
 */
import {
  BaseBasicBolt, TopologyBuilder, TopologyError, type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyContext,
  type TopologyParams, type Tuple,
} from '@gale/runtime';
import { CountBolt, CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';
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

/** Options of {@link SplitWordsBolt}. */
export interface SplitWordsOptions {
  /**
   * Pre-aggregate each input tuple (a combiner): emit `[word, n]` once per distinct word of the
   * tuple's line(s), n its number of occurrences there, instead of `[word]` per occurrence.
   * Default false.
   */
  combine?: boolean;
}

/**
 * Splits field 0 — a line (`string`) or a batch of lines (`string[]`, from a FileLineSpout
 * with `linesPerTuple`) — into words, anchored to the input. Emits `[word]` per word, or with
 * `combine`, `[word, n]` per distinct word of the input.
 */
export class SplitWordsBolt extends BaseBasicBolt {
  private readonly combine: boolean;
  private out: BasicOutputCollector | undefined;
  private onWord!: (word: string) => void;
  /** Combine mode: this task's words, counted per input from the lines' characters. */
  private table!: WordTable;

  constructor(options: SplitWordsOptions = {}) {
    super();
    this.combine = options.combine ?? false;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(this.combine ? ['word', 'n'] : ['word']);
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

  /** Emits `[word, n]` once per distinct word of `value` (a line or a batch of lines). */
  private combineInto(value: unknown, collector: BasicOutputCollector): void {
    const table = this.table;
    if (typeof value === 'string') {
      table.addLine(value);
    } else if (Array.isArray(value)) {
      for (const line of value) if (typeof line === 'string') table.addLine(line);
    } else {
      return;
    }
    const { words, counts, touched } = table;
    try {
      for (let i = 0; i < touched.length; i++) {
        const k = touched[i]!;
        collector.emit([words[k]!, counts[k]!]);
      }
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
 * bytes a line of prose), so a batch is in practice everything buffered — one or two reads — and
 * the tuples between stages number about the distinct words per MiB of text, not the words: on
 * the benchmark's 2M-word Zipf corpus (13.5 MB, 49.7k distinct words) 326k per edge instead of
 * 2M (256 KiB reads: 552k; 4 MiB: 155k).
 */
export const WORD_COUNT_LINES_PER_TUPLE = 65_536;

/**
 * Bytes per read of the batched spout (1 MiB; FileLineSpout's default is 256 KiB). The spout
 * buffers less than two reads, so a batch stays under 2 MiB: well inside the cluster transport's
 * default 4 MiB frame (`maxFrameBytes`) when `lines → split` crosses workers.
 */
export const WORD_COUNT_CHUNK_BYTES = 1024 * 1024;

/**
 * The spout's end-of-input stream in the batched shape: `count` emits its table to `sink` once,
 * when the marker arrives (after every batch's tree completed), instead of on every update.
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
  b.setBolt('split', new SplitWordsBolt({ combine: batched }), 2).shuffleGrouping('lines');
  if (batched) {
    b.setBolt('count', new CountBolt({ keyField: 'word', amountField: 'n', flushOn: WORD_COUNT_END_STREAM }), 2)
      .fieldsGrouping('split', ['word'])
      .allGrouping('lines', WORD_COUNT_END_STREAM);
  } else {
    b.setBolt('count', new CountBolt({ keyField: 'word' }), 2).fieldsGrouping('split', ['word']);
  }
  b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('count');
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
