import { open as openFile, type FileHandle } from 'node:fs/promises';
import {
  BaseRichSpout, TopologyError, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, UNSENDABLE_FAIL_REASONS,
} from '@gale/runtime';
import { assertSingleTask, FileNotFoundError, FileReadError } from '../errors.js';
import { parseFileLineOptions, type FileLineConfig, type FileLineSpoutOptions } from './file-line-options.js';
import { readAheadDue, readIfDue, startRead, type ForwardReadState } from './forward-reads.js';
import { LineDecoder } from './line-decoder.js';
import { ReplayReader } from './replay-reader.js';
import { FILE_READ_ATTEMPTS, ReplayRetries } from './read-backoff.js';
import { UnackedLines } from './unacked-lines.js';

/** Message id of the end-of-input marker (line offsets are >= 0). */
const END_MESSAGE_ID = -1;

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
 * are per batch. With `linesPerTree`, each line is its own tuple `[line]` but up to that many
 * consecutive lines go out as one tuple tree (`emitTree`) under the first line's offset: acks,
 * failures and replays (of all the group's lines) are per tree.
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
  /** A tuple that cannot be sent fails the same way on every replay: dead-letter it at once (docs/kits.md). */
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
  private readonly o: FileLineConfig;
  /** Lines per message id, or 0: one line per tuple and tree (the hot path reads this field alone). */
  private readonly perMessage: number;
  private state: ReadState | undefined;

  constructor(options: FileLineSpoutOptions) {
    super();
    this.o = parseFileLineOptions(options);
    this.perMessage = this.o.shape === 'line' ? 0 : this.o.linesPerMessage;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare([this.o.field]);
    if (this.o.endStream !== undefined) declarer.declareStream(this.o.endStream, ['path']);
  }

  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    assertSingleTask(context, 'FileLineSpout');
    if (this.o.endStream !== undefined && context.config.ackers === 0) {
      throw new TopologyError('GALE_ERR_BAD_OPTION', `FileLineSpout endStream "${this.o.endStream}" needs tuple tracking (ackers > 0): without it the end marker could overtake the lines' tuples`);
    }
    let handle: FileHandle;
    try {
      handle = await openFile(this.o.path, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileNotFoundError(this.o.path, { cause: err });
      throw new FileReadError(this.o.path, `cannot open input file ${this.o.path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      if ((await handle.stat()).isDirectory()) {
        throw new FileReadError(this.o.path, `input path ${this.o.path} is a directory, not a file; give the spout the path of a file, e.g. ${this.o.path.replace(/\/+$/, '')}/<name>`);
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    this.state = {
      path: this.o.path,
      chunkBytes: this.o.chunkBytes,
      collector: this.collector,
      handle,
      decoder: new LineDecoder(this.o.encoding),
      lines: [],
      offsets: [],
      head: 0,
      readPos: 0,
      reading: undefined,
      eof: false,
      readRetry: undefined,
      unacked: new UnackedLines(),
      replayer: new ReplayReader(handle, this.o.encoding, this.o.chunkBytes),
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
      // A line per tree is the hot path: no array of lines for it.
      let line: string | undefined;
      let lines: string[] | undefined;
      if (this.perMessage === 0) line = s.lines[s.head++]!;
      else {
        const end = Math.min(s.lines.length, s.head + this.perMessage);
        lines = s.lines.slice(s.head, end);
        s.head = end;
      }
      // The range ends where the next buffered line starts, or past the last line decoded.
      s.unacked.push(offset, s.head < s.offsets.length ? s.offsets[s.head]! : s.decoder.offset);
      // Read ahead while less than a chunk is buffered, so the next call rarely waits; before
      // the emit, which may run the downstream bolts inline on this tuple (a whole batch): the
      // read then overlaps that work instead of starting after it.
      if (readAheadDue(s)) void startRead(s);
      if (lines === undefined) this.collector.emit([line], offset);
      else this.emitLines(offset, lines);
      return;
    }
    if (s.eof) {
      if (this.o.endStream !== undefined && s.end === 'unsent' && this.linesDone(s)) {
        s.end = 'sent';
        this.collector.emitStream(this.o.endStream, [this.o.path], END_MESSAGE_ID);
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
    return s !== undefined && this.linesDone(s) && (this.o.endStream === undefined || s.end === 'acked');
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
      const at = `reading ${this.o.path} at byte ${offset} to replay it`;
      const retry = s.replayRetries.failed(offset, Date.now());
      if (retry !== undefined) {
        this.collector.reportError(new FileReadError(this.o.path, `${at} failed (attempt ${retry.attempt} of ${FILE_READ_ATTEMPTS}; next in ${retry.delayMs} ms): ${(err as Error).message}`, { cause: err, retriable: true }));
      } else {
        s.unacked.delete(offset);
        this.collector.reportError(new FileReadError(this.o.path, `${at} failed ${FILE_READ_ATTEMPTS} times; giving up, the line (its whole batch or tree) is dropped: ${(err as Error).message}`, { cause: err }));
      }
      return;
    }
    if (s.closed) return;
    this.replayDone(s, offset);
    if (typeof lines === 'number') {
      s.unacked.delete(offset);
      this.collector.reportError(new FileReadError(this.o.path, `cannot replay the line at byte ${offset} of ${this.o.path}: the file ends at byte ${lines} now (truncated?); the line (its whole batch or tree) is dropped`));
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

  /** Emits the lines of one message id: as a line's tuple, a batch tuple, or a tree of line tuples. */
  private emitLines(offset: number, lines: string[]): void {
    const shape = this.o.shape;
    if (shape === 'tree') this.collector.emitTree(lines.map((l) => [l]), offset);
    else this.collector.emit([shape === 'line' ? lines[0]! : lines], offset);
  }
}
