import { open as openFile, type FileHandle } from 'node:fs/promises';
import {
  BaseRichSpout, TopologyError, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext,
} from '@gale/runtime';
import { assertSingleTask, FileNotFoundError, FileReadError } from '../errors.js';
import { readAheadDue, readIfDue, startRead, type ForwardReadState } from './forward-reads.js';
import { FILE_LINE_ENCODINGS, LineDecoder, type FileLineEncoding } from './line-decoder.js';
import { ReplayReader } from './replay-reader.js';
import { FILE_READ_ATTEMPTS, ReplayRetries } from './read-backoff.js';
import { UnackedLines } from './unacked-lines.js';

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
   */
  linesPerTuple?: number;
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

/** Message id of the end-of-input marker (line offsets are >= 0). */
const END_MESSAGE_ID = -1;

/** Default bytes per read. */
export const FILE_LINE_CHUNK_BYTES = 256 * 1024;

/** Per-task state, created in `open()` (instances are deep-copied per task before it). */
interface ReadState extends ForwardReadState {
  /** Emitted but not yet acked: the byte range of each line or batch (a replay reads it again). */
  readonly unacked: UnackedLines;
  readonly replayer: ReplayReader;
  /** The replay read in flight, if any; it never rejects. */
  replaying: Promise<void> | undefined;
  /** Replays whose read failed, waiting out their backoff before the next read. */
  readonly replayRetries: ReplayRetries;
  /** Offsets of failed lines, served before new lines. */
  replay: number[];
  replayHead: number;
  /** End-of-input marker (with `endStream`): not sent, in flight, or acked. */
  end: 'unsent' | 'sent' | 'acked';
}

/**
 * Emits one tuple `[line]` per line of a text file, with the byte offset of the line's start
 * as message id, and replays lines whose tuple tree failed or timed out (at-least-once).
 *
 * - `\n` ends a line and a `\r` before it is removed (CRLF files); a last line without a
 *   newline is emitted (also without a trailing `\r`); empty lines are emitted as `''`.
 * - The file is read asynchronously in chunks of `chunkBytes`, ahead of demand, holding at
 *   most about two chunks of lines; `nextTuple()` emits exactly one line per call and costs
 *   an array read and an append to the unacked lines when lines are buffered. When it has
 *   nothing buffered it returns the pending read, so the executor resumes the moment data
 *   arrives.
 * - Emitted lines are tracked until acked, by byte range (their text is not kept); a failed
 *   line is read again from the file and re-emitted, with the same message id, before any new
 *   line. So replays need the file unchanged up to that line (appending is fine): a line that a
 *   truncated file no longer holds is reported (`GALE_ERR_FILE_READ`) and dropped. A replay read
 *   that fails is reported (`GALE_ERR_FILE_READ`) and retried after a backoff (100 ms doubling to
 *   5 s, jittered); after 8 failed reads of one line (about 11 s) the line is reported and dropped.
 * - `isExhausted()` is true once the whole file was read and every line was acked or dropped
 *   (see above: the reported errors tell which).
 *
 * With `linesPerTuple`, each tuple carries a `string[]` batch of up to that many consecutive
 * lines instead, with the offset of its first line as message id; acks, failures and replays
 * are per batch.
 *
 * It must run as a single task (parallelism 1, numTasks 1): every task would read the
 * whole file. `open()` throws a `TopologyError` with code `GALE_ERR_SINGLE_TASK_ONLY`
 * otherwise, a {@link FileNotFoundError} (`GALE_ERR_FILE_NOT_FOUND`) when the file does not
 * exist, and a {@link FileReadError} (`GALE_ERR_FILE_READ`) when it cannot be opened. A chunk
 * read that fails later is reported through the collector and retried after the same backoff as
 * a replay read; after 8 failed reads at one position the spout reports that it gives up and ends
 * the input early.
 *
 * ```ts
 * builder.setSpout('lines', new FileLineSpout({ path: 'input.txt' }));
 * ```
 */
export class FileLineSpout extends BaseRichSpout {
  private readonly path: string;
  private readonly field: string;
  private readonly encoding: FileLineEncoding;
  private readonly chunkBytes: number;
  /** Lines per batch tuple, or 0: one line per tuple, as a string. */
  private readonly linesPerTuple: number;
  private readonly endStream: string | undefined;
  private state: ReadState | undefined;

  constructor(options: FileLineSpoutOptions) {
    super();
    if (typeof options?.path !== 'string' || options.path.length === 0) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout needs { path: string }, got path ${JSON.stringify(options?.path)}`);
    }
    const encoding = options.encoding ?? 'utf8';
    if (!FILE_LINE_ENCODINGS.includes(encoding)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout encoding must be one of ${FILE_LINE_ENCODINGS.join(', ')}, got ${JSON.stringify(encoding)}`);
    }
    const chunkBytes = options.chunkBytes ?? FILE_LINE_CHUNK_BYTES;
    if (!Number.isInteger(chunkBytes) || chunkBytes < 1) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout chunkBytes must be an integer >= 1, got ${JSON.stringify(chunkBytes)}`);
    }
    const linesPerTuple = options.linesPerTuple;
    if (linesPerTuple !== undefined && (!Number.isInteger(linesPerTuple) || linesPerTuple < 1)) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout linesPerTuple must be an integer >= 1, got ${JSON.stringify(linesPerTuple)}`);
    }
    this.linesPerTuple = linesPerTuple ?? 0;
    const endStream = options.endStream;
    if (endStream !== undefined && (typeof endStream !== 'string' || endStream === '' || endStream === 'default')) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout endStream must be a non-empty stream id other than "default", got ${JSON.stringify(endStream)}`);
    }
    this.endStream = endStream;
    this.path = options.path;
    this.field = options.field ?? 'line';
    this.encoding = encoding;
    this.chunkBytes = chunkBytes;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare([this.field]);
    if (this.endStream !== undefined) declarer.declareStream(this.endStream, ['path']);
  }

  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    assertSingleTask(context, 'FileLineSpout');
    if (this.endStream !== undefined && context.config.ackers === 0) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout endStream "${this.endStream}" needs tuple tracking (ackers > 0): without it the end marker could overtake the lines' tuples`);
    }
    let handle: FileHandle;
    try {
      handle = await openFile(this.path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileNotFoundError(this.path, { cause: err });
      throw new FileReadError(this.path, `cannot open input file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      if ((await handle.stat()).isDirectory()) {
        throw new FileReadError(this.path, `input path ${this.path} is a directory, not a file`);
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.state = {
      path: this.path,
      chunkBytes: this.chunkBytes,
      collector: this.collector,
      handle,
      decoder: new LineDecoder(this.encoding),
      lines: [],
      offsets: [],
      head: 0,
      readPos: 0,
      reading: undefined,
      eof: false,
      readRetry: undefined,
      unacked: new UnackedLines(),
      replayer: new ReplayReader(handle, this.encoding, this.chunkBytes),
      replaying: undefined,
      replayRetries: new ReplayRetries(),
      replay: [],
      replayHead: 0,
      closed: false,
      end: 'unsent',
    };
    void startRead(this.state);
  }

  nextTuple(): void | Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    if (s.replayRetries.size > 0) s.replayRetries.takeDue(Date.now(), s.replay);
    if (s.replayHead < s.replay.length) {
      // A batch of failures (a checkpoint rollback fails an interval of lines) is served in file
      // order, so the replay reader's window covers many of them per read.
      if (s.replayHead === 0 && s.replay.length > 1) s.replay.sort((a, b) => a - b);
      const offset = s.replay[s.replayHead++]!;
      if (s.replayHead === s.replay.length) {
        s.replay = [];
        s.replayHead = 0;
      }
      const end = s.unacked.endOf(offset);
      if (end < 0) {
        this.replayDone(s, offset);
        return;
      }
      const cached = s.replayer.cached(offset, end);
      if (cached !== undefined) {
        this.replayDone(s, offset);
        this.emitLines(offset, cached);
        return;
      }
      const p = this.replayRange(s, offset, end).finally(() => {
        s.replaying = undefined;
      });
      s.replaying = p;
      return p;
    }
    if (s.head < s.lines.length) {
      const offset = s.offsets[s.head]!;
      let value: string | string[];
      if (this.linesPerTuple === 0) {
        value = s.lines[s.head++]!;
      } else {
        const end = Math.min(s.lines.length, s.head + this.linesPerTuple);
        value = s.lines.slice(s.head, end);
        s.head = end;
      }
      // The range ends where the next buffered line starts, or past the last line decoded.
      s.unacked.push(offset, s.head < s.offsets.length ? s.offsets[s.head]! : s.decoder.offset);
      // Read ahead while less than a chunk is buffered, so the next call rarely waits; before
      // the emit, which may run the downstream bolts inline on this tuple (a whole batch): the
      // read then overlaps that work instead of starting after it.
      if (readAheadDue(s)) void startRead(s);
      this.collector.emit([value], offset);
      return;
    }
    if (s.eof) {
      if (this.endStream !== undefined && s.end === 'unsent' && this.linesDone(s)) {
        s.end = 'sent';
        this.collector.emitStream(this.endStream, [this.path], END_MESSAGE_ID);
      }
      return;
    }
    return readIfDue(s);
  }

  override ack(messageId: unknown): void {
    const s = this.state;
    if (s === undefined) return;
    if (messageId === END_MESSAGE_ID) s.end = 'acked';
    else s.unacked.delete(messageId as number);
  }

  override fail(messageId: unknown): void {
    const s = this.state;
    if (s === undefined) return;
    if (messageId === END_MESSAGE_ID) s.end = 'unsent';
    else if (s.unacked.has(messageId as number)) s.replay.push(messageId as number);
  }

  /**
   * True once the file was read to its end and every line emitted was acked or dropped (a line
   * the truncated file no longer holds, or whose replay read gave up; both reported as
   * `GALE_ERR_FILE_READ`); with `endStream`, and the end marker acked too.
   */
  isExhausted(): boolean {
    const s = this.state;
    return s !== undefined && this.linesDone(s) && (this.endStream === undefined || s.end === 'acked');
  }

  private linesDone(s: ReadState): boolean {
    return s.eof && s.reading === undefined && s.replaying === undefined && s.head >= s.lines.length && s.replayHead >= s.replay.length && s.replayRetries.size === 0 && s.unacked.size === 0;
  }

  /** Closes the file after any read in flight. Idempotent. */
  override async close(): Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    s.closed = true;
    await s.reading;
    await s.replaying;
    await s.handle.close();
  }

  /**
   * Re-emits the line or batch at `[offset, end)`, read again from the file: the spout keeps no
   * line text while it is unacked (unacked-lines.ts). A read error is reported and the read
   * retried after a backoff (read-backoff.ts: 100 ms doubling to 5 s, jittered), new lines
   * flowing meanwhile; after 8 failed reads (about 11 s) the line is reported and dropped. A range
   * the file no longer holds (it was truncated) cannot be replayed: reported, and the line dropped.
   */
  private async replayRange(s: ReadState, offset: number, end: number): Promise<void> {
    let lines: string[] | number;
    try {
      lines = await s.replayer.read(offset, end);
    } catch (err) {
      if (s.closed) return;
      const at = `reading ${this.path} at byte ${offset} to replay it`;
      const retry = s.replayRetries.failed(offset, Date.now());
      if (retry !== undefined) {
        this.collector.reportError(new FileReadError(this.path, `${at} failed (attempt ${retry.attempt} of ${FILE_READ_ATTEMPTS}; next in ${retry.delayMs} ms): ${(err as Error).message}`, { cause: err, retriable: true }));
      } else {
        s.unacked.delete(offset);
        this.collector.reportError(new FileReadError(this.path, `${at} failed ${FILE_READ_ATTEMPTS} times; giving up, the line is dropped: ${(err as Error).message}`, { cause: err }));
      }
      return;
    }
    if (s.closed) return;
    this.replayDone(s, offset);
    if (typeof lines === 'number') {
      s.unacked.delete(offset);
      this.collector.reportError(new FileReadError(this.path, `cannot replay the line at byte ${offset} of ${this.path}: the file ends at byte ${lines} now (truncated?); the line is dropped`));
      return;
    }
    if (s.unacked.endOf(offset) >= 0) this.emitLines(offset, lines);
  }

  /**
   * The line at `offset` was replayed (or no longer needs to be): its read failures are
   * forgotten, and the replay reader's window dropped once no replay is queued (it is a chunk of
   * memory).
   */
  private replayDone(s: ReadState, offset: number): void {
    if (s.replayRetries.size > 0) s.replayRetries.forget(offset);
    if (s.replayHead >= s.replay.length) s.replayer.release();
  }

  /** Emits the lines of one message id as its tuple: a line, or a batch. */
  private emitLines(offset: number, lines: string[]): void {
    this.collector.emit([this.linesPerTuple === 0 ? lines[0]! : lines], offset);
  }
}
