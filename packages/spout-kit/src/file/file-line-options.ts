import { TopologyError } from '@gale/runtime';
import { FILE_LINE_ENCODINGS, type FileLineEncoding } from './line-decoder.js';

/** Options of {@link FileLineSpout}. */
export interface FileLineSpoutOptions {
  /** The text file to read. Resolved against the process's working directory. */
  path: string;
  /** Name of the single output field (default `line`). */
  field?: string;
  /** How line bytes are decoded (default `utf8`). Only ASCII-compatible encodings are accepted. */
  encoding?: FileLineEncoding;
  /** Bytes per read (default 256 KiB). At most about two reads' worth of lines are buffered. */
  chunkBytes?: number;
  /**
   * Emit consecutive lines in batches: each tuple's field holds a `string[]` of 1 to
   * `linesPerTuple` lines (as many as are buffered, up to this many), one tuple tree and one
   * message id (the first line's byte offset) per batch, replayed as a whole. An integer >= 1;
   * when set, even to 1, the field is always an array. Left out (the default), the field holds
   * one line as a `string`. A batch costs one tracked tuple however many lines it has, so a
   * bolt that pre-aggregates it (a combiner) cuts the per-line tuple overhead.
   * Not with `linesPerTree`.
   */
  linesPerTuple?: number;
  /**
   * Emit each line as its own tuple `[line]` (a `string`, as by default), but `linesPerTree`
   * consecutive lines (as many as are buffered, up to this many) in ONE tuple tree
   * (`SpoutOutputCollector.emitTree`): one message id (the first line's byte offset), acked once
   * all its lines' tuples completed, and replayed whole when any of them failed. Bolts see a tuple
   * per line (per-line parsing, fields grouping per line); tracking is paid per tree, which is
   * what a stateful bolt's checkpoint costs (docs/state.md). An integer >= 1; 1 is the default
   * shape. Not with `linesPerTuple`.
   */
  linesPerTree?: number;
  /**
   * Declares a stream of this name (one field, `path`) on which the spout emits one tuple
   * `[path]`, a tree of its own, once the whole file was read and every line's tree was acked:
   * an end-of-input marker (Flink's `finish()`), e.g. for a bolt that emits its results once
   * at the end instead of on every update (CountBolt's `flushOn`). It also goes out when the
   * spout gives up after 8 failed reads at one position (reported, `GALE_ERR_FILE_READ`): then
   * it ends a partial input. A failed marker tree is
   * re-emitted; `isExhausted()` is true only once the marker was acked. Needs tuple tracking:
   * with `ackers: 0` the marker could overtake the lines, so `open()` throws (`GALE_ERR_BAD_OPTION`).
   * Default: none.
   */
  endStream?: string;
}

/** How the spout emits the lines of one message id. */
export type LineShape = 'line' | 'batch' | 'tree';

/** {@link FileLineSpoutOptions} checked, with defaults. */
export interface FileLineConfig {
  readonly path: string;
  readonly field: string;
  readonly encoding: FileLineEncoding;
  readonly chunkBytes: number;
  /** `line`: one line per tuple and tree; `batch`: a `string[]` tuple per tree; `tree`: a tuple per line, several per tree. */
  readonly shape: LineShape;
  /** Lines per message id (tree) at most: 1 for `line`. */
  readonly linesPerMessage: number;
  readonly endStream: string | undefined;
}

/** Default bytes per read. */
export const FILE_LINE_CHUNK_BYTES = 256 * 1024;

const KEYS = new Set(['path', 'field', 'encoding', 'chunkBytes', 'linesPerTuple', 'linesPerTree', 'endStream']);

function bad(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout ${message}`);
}

function lineCount(name: string, v: unknown): number | undefined {
  if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) throw bad(`${name} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return v as number | undefined;
}

/** Validates the options once, in the constructor. */
export function parseFileLineOptions(o: FileLineSpoutOptions): FileLineConfig {
  if (typeof o?.path !== 'string' || o.path.length === 0) throw bad(`needs { path: string }, got path ${JSON.stringify(o?.path)}`);
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(`has no option "${k}" (options: ${[...KEYS].join(', ')})`);
  const encoding = o.encoding ?? 'utf8';
  if (!FILE_LINE_ENCODINGS.includes(encoding)) throw bad(`encoding must be one of ${FILE_LINE_ENCODINGS.join(', ')}, got ${JSON.stringify(encoding)}`);
  const chunkBytes = o.chunkBytes ?? FILE_LINE_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw bad(`chunkBytes must be an integer >= 1, got ${JSON.stringify(chunkBytes)}`);
  const field = o.field ?? 'line';
  if (typeof field !== 'string' || field.length === 0) throw bad(`field must be a non-empty string, got ${JSON.stringify(field)}`);
  const linesPerTuple = lineCount('linesPerTuple', o.linesPerTuple);
  const linesPerTree = lineCount('linesPerTree', o.linesPerTree);
  if (linesPerTuple !== undefined && linesPerTree !== undefined) {
    throw bad(`takes linesPerTuple (a string[] tuple per tree) or linesPerTree (a tuple per line, several per tree), not both; got linesPerTuple ${linesPerTuple} and linesPerTree ${linesPerTree}`);
  }
  const endStream = o.endStream;
  if (endStream !== undefined && (typeof endStream !== 'string' || endStream === '' || endStream === 'default')) {
    throw bad(`endStream must be a non-empty stream id other than "default", got ${JSON.stringify(endStream)}`);
  }
  const shape: LineShape = linesPerTuple !== undefined ? 'batch' : linesPerTree !== undefined && linesPerTree > 1 ? 'tree' : 'line';
  return Object.freeze({ path: o.path, field, encoding, chunkBytes, shape, linesPerMessage: linesPerTuple ?? linesPerTree ?? 1, endStream });
}
