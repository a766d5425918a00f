/**
 * word-count: counts the words of a text file and writes `word<TAB>count` lines, most frequent
 * first. A word is a maximal run of ASCII letters and digits, lower-cased; every other
 * character (punctuation, whitespace, any non-ASCII character) separates words. The result
 * equals `tr 'A-Z' 'a-z' < in | tr -cs 'a-z0-9' '\n' | grep -v '^$' | sort | uniq -c`.
 *
 *   lines (FileLineSpout, 1) --shuffle--> split (2) --fields(word)--> count (CountBolt, 2)
 *     --global--> sink (CountsFileSinkBolt, 1, writes the file on shutdown)
 *
 * Run: `gale local topologies/word-count.ts --set input=in.txt --set output=out.tsv --until-idle`.
 */
import {
  BaseBasicBolt, TopologyBuilder, type BasicOutputCollector, type OutputFieldsDeclarer, type Topology, type TopologyContext,
  type TopologyParams, type Tuple,
} from '@gale/runtime';
import { CountBolt, CountsFileSinkBolt } from '@gale/bolt-kit';
import { FileLineSpout } from '@gale/spout-kit';

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

/** Splits the line in field 0 into words; emits `[word]` per word, anchored to the line. */
export class SplitWordsBolt extends BaseBasicBolt {
  private out: BasicOutputCollector | undefined;
  private emitWord!: (word: string) => void;

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare(['word']);
  }

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    // Bound once, not per tuple (this is the hot path), and here rather than in a field
    // initialiser: per-task copies share function values, so an arrow created in the
    // constructor would keep pointing at the template instance.
    this.emitWord = (word) => this.out!.emit([word]);
  }

  execute(tuple: Tuple, collector: BasicOutputCollector): void {
    if (tuple.isTick()) return;
    const line = tuple.values[0];
    if (typeof line !== 'string') return;
    this.out = collector;
    forEachAsciiWord(line, this.emitWord);
  }
}

/** Inputs of {@link buildWordCount}. */
export interface WordCountOptions {
  /** Text file to count. */
  input: string;
  /** Where the counts are written when the topology shuts down. */
  output: string;
}

/** Builds the word-count topology (named `word-count`). */
export function buildWordCount({ input, output }: WordCountOptions): Topology {
  const b = new TopologyBuilder();
  b.setSpout('lines', new FileLineSpout({ path: input }));
  b.setBolt('split', new SplitWordsBolt(), 2).shuffleGrouping('lines');
  b.setBolt('count', new CountBolt({ keyField: 'word' }), 2).fieldsGrouping('split', ['word']);
  b.setBolt('sink', new CountsFileSinkBolt({ path: output })).globalGrouping('count');
  return b.build({ name: 'word-count' });
}

/** Entry point for `gale local|submit`: needs `--set input=<file> --set output=<file>`. */
export default function wordCount(params: TopologyParams): Topology {
  return buildWordCount({ input: params.string('input'), output: params.string('output') });
}
