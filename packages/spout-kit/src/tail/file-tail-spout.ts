import path from 'node:path';
import {
  BaseRichSpout, type OutputFieldsDeclarer, type SpoutOutputCollector, type TopologyContext, type Values, UNSENDABLE_FAIL_REASONS,
} from '@gale/runtime';
import { assertSingleTask } from '../errors.js';
import { WakeSignal } from '../wake-signal.js';
import { ContiguousAcks } from './contiguous-acks.js';
import { assertDir, FileFollower, type TailLine } from './file-follower.js';
import { OffsetsStore } from './offsets-store.js';
import { parseFileTailOptions, type FileTailConfig, type FileTailSpoutOptions } from './tail-options.js';

/** Per-task state, created in `open()` (instances are deep-copied per task before it). */
interface TailState {
  readonly follower: FileFollower;
  readonly offsets: OffsetsStore;
  /** Emitted lines by message id, and the acked prefix whose end is the resume point. */
  readonly acks: ContiguousAcks<TailLine>;
  /** Read, not yet emitted. */
  lines: TailLine[];
  head: number;
  /** Failed message ids, re-emitted before new lines. */
  replay: number[];
  readonly wake: WakeSignal;
  /** The read (or poll wait) in flight; `close` waits for it before closing the file. */
  busy: Promise<void> | undefined;
  closed: boolean;
}

/**
 * Follows a growing log file as `tail -F` does and emits one tuple `[line]` per complete line,
 * at least once:
 *
 * - a rotation by rename (the path names a new file) or by copytruncate (the file got shorter) is
 *   followed: the old file is read to its end, and the new generation starts once every line of
 *   the old one is acked;
 * - the resume point — the end of the last line of the contiguous acked prefix — is kept in
 *   `offsetsPath` (written atomically, coalesced), by inode and offset: after a restart, even one
 *   after a rotation, the spout resumes there and replays at most the lines that were not acked;
 * - a failed or timed-out line is re-emitted (same message id) before any new line;
 * - a last line without `\n` is held until its newline arrives or the file is rotated away.
 *
 * It must run as a single task. `open()` throws `GALE_ERR_TAIL_DIR_NOT_FOUND` when the directory
 * of the file or of the offsets file is missing, and `GALE_ERR_TAIL_OFFSETS_CORRUPT` /
 * `GALE_ERR_TAIL_OFFSETS_MISMATCH` for an offsets file it cannot trust ({@link TailSpoutError}).
 * Read errors while running are reported (`GALE_ERR_TAIL_READ`) and retried every poll.
 *
 * ```ts
 * builder.setSpout('logs', new FileTailSpout({ path: '/var/log/app.log', offsetsPath: '/var/lib/gale/app.offsets' }));
 * ```
 */
export class FileTailSpout extends BaseRichSpout {
  /** A tuple that cannot be sent fails the same way on every replay: dead-letter it at once (docs/kits.md). */
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
  private readonly cfg: FileTailConfig;
  private state: TailState | undefined;

  constructor(options: FileTailSpoutOptions) {
    super();
    this.cfg = parseFileTailOptions(options);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declarer.declare([this.cfg.field]);
  }

  override async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    await super.open(context, collector);
    assertSingleTask(context, 'FileTailSpout');
    const cfg = this.cfg;
    await assertDir(path.dirname(cfg.offsetsPath), cfg.path);
    const offsets = new OffsetsStore(cfg.offsetsPath, cfg.path, (err) => this.collector.reportError(err));
    const resume = await offsets.load();
    const follower = new FileFollower(cfg.path, cfg.encoding, cfg.chunkBytes);
    const warning = await follower.start(resume, cfg.startAt === 'end');
    if (warning !== undefined) this.collector.reportError(warning);
    // A first start (or one that could not resume exactly) records where it began, so a restart
    // before the first ack does not begin again elsewhere (e.g. at a later end with startAt 'end').
    const begin = follower.position();
    if (begin !== undefined && (resume === undefined || warning !== undefined)) offsets.save(begin);
    this.state = {
      follower, offsets, acks: new ContiguousAcks(), lines: [], head: 0, replay: [], wake: new WakeSignal(), busy: undefined, closed: false,
    };
  }

  nextTuple(): void | Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    while (s.replay.length > 0) {
      const seq = s.replay.shift()!;
      const line = s.acks.get(seq);
      if (line !== undefined) {
        this.collector.emit([line.text], seq);
        return;
      }
    }
    if (s.head < s.lines.length) {
      const line = s.lines[s.head++]!;
      if (s.head === s.lines.length) {
        s.lines = [];
        s.head = 0;
      }
      this.collector.emit([line.text], s.acks.add(line));
      return;
    }
    const p = this.fill(s).finally(() => {
      s.busy = undefined;
    });
    s.busy = p;
    return p;
  }

  override ack(messageId: unknown): void {
    const s = this.state;
    if (s === undefined) return;
    const done = s.acks.ack(messageId as number);
    if (done !== undefined) s.offsets.save({ ino: done.ino, offset: done.end });
    // The last line of a rotated file acked: the switch may go ahead now.
    if (s.acks.pending === 0 && s.follower.pendingSwitch !== undefined) s.wake.notify();
  }

  override fail(messageId: unknown): void {
    const s = this.state;
    if (s === undefined || s.acks.get(messageId as number) === undefined) return;
    s.replay.push(messageId as number);
    s.wake.notify();
  }

  /** The pending line's values as emitted (`[text]`), for its dead letter (Spout.deadLetterValues). */
  deadLetterValues(messageId: unknown): Values | undefined {
    const line = this.state?.acks.get(messageId as number);
    return line === undefined ? undefined : [line.text];
  }

  /** Lines emitted and not yet in the acked prefix. */
  pendingLines(): number {
    return this.state?.acks.pending ?? 0;
  }

  /** Saves the last resume point and closes the file. Idempotent. */
  override async close(): Promise<void> {
    const s = this.state;
    if (s === undefined || s.closed) return;
    s.closed = true;
    s.wake.notify();
    await s.busy;
    await s.offsets.flush();
    await s.follower.close();
  }

  /** Reads more lines, switches to the next file once the old one is done, or waits a poll. */
  private async fill(s: TailState): Promise<void> {
    try {
      const f = s.follower;
      if (f.pendingSwitch !== undefined) {
        if (s.acks.pending === 0 && s.replay.length === 0) {
          const start = await f.switchGeneration();
          if (start !== undefined) s.offsets.save(start);
          return;
        }
      } else if (await f.read(s.lines)) {
        return;
      }
    } catch (err) {
      this.collector.reportError(err);
    }
    if (!s.closed) await s.wake.wait(this.cfg.pollIntervalMs);
  }
}
