import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  invalidRow, BaseRichBolt, DataError, isDataError, type OutputCollector, type OutputFieldsDeclarer, type TopologyContext, type Tuple,
} from '@gale/runtime';
import { assertSingleTask, badOption, FileWriteError } from '../errors.js';
import { declareInvalidStream, invalidStreamOption } from '../invalid-stream.js';
import { formatTabSeparated } from './file-sink-bolt.js';

/** When {@link AppendFileSinkBolt} forces its writes to disk. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Options of {@link AppendFileSinkBolt}. */
export interface AppendFileSinkBoltOptions {
  /** The file appended to; created (with its directory) when missing. */
  path: string;
  /**
   * One line (without `\n`) per tuple: `json` (default) an object of the tuple's fields, `tsv` the
   * values tab-separated (objects as JSON), or a function of the tuple.
   */
  format?: 'json' | 'tsv' | ((tuple: Tuple) => string);
  /**
   * `always` (default): fsync before acking, so an acked tuple's line survives a machine crash.
   * `interval`: ack after the write reaches the OS, fsync every `fsyncIntervalMs` (a crash of the
   * machine, not of the process, may lose that much). `never`: leave it to the OS.
   */
  fsync?: FsyncPolicy;
  /** Period of the fsync with `fsync: 'interval'`. Default 1000. */
  fsyncIntervalMs?: number;
  /**
   * The stream on which tuples that cannot be formatted are emitted as `[sourceComponent,
   * sourceStream, values, reason]`, then acked: a value `json`/`tsv` cannot write (a BigInt, a
   * cycle), or a `DataError` thrown by a format function. Default `invalid`.
   */
  invalidStream?: string;
}

const FSYNC_POLICIES: readonly FsyncPolicy[] = ['always', 'interval', 'never'];

function jsonLine(t: Tuple): string {
  const o: Record<string, unknown> = {};
  const names = t.fields.names;
  for (let i = 0; i < names.length; i++) o[names[i]!] = t.values[i];
  return JSON.stringify(o);
}

/**
 * Appends one line per tuple to a file and acks each tuple only once its line is written (and,
 * with `fsync: 'always'`, on disk). Tuples arriving together are written in one write and one
 * fsync (group commit), so `always` costs one fsync per batch, not per tuple. A failed write or
 * fsync fails every tuple of its batch (their spouts replay them) and reports a
 * {@link FileWriteError} (`GALE_ERR_FILE_WRITE`). Not idempotent: a replayed tuple is appended
 * again (at-least-once). Must run as a single task (`GALE_ERR_SINGLE_TASK_ONLY`). A tuple the
 * built-in `json`/`tsv` format cannot write (a BigInt, a cycle), or whose format function threw a
 * `DataError`, is bad data: emitted on the invalid stream (its only output) and acked, a
 * `DataError` `GALE_ERR_FILE_BAD_VALUE` reported; any other throw of a format function fails it.
 *
 * ```ts
 * builder.setBolt('log', new AppendFileSinkBolt({ path: 'out/events.jsonl' })).globalGrouping('parse');
 * ```
 */
export class AppendFileSinkBolt extends BaseRichBolt {
  private readonly path: string;
  private readonly format: (t: Tuple) => string;
  private readonly fsync: FsyncPolicy;
  private readonly fsyncIntervalMs: number;
  /** Whether the format is gale's (json/tsv): its throws are about the data, not about user code. */
  private readonly builtinFormat: boolean;
  private readonly invalidStream: string;
  private handle: FileHandle | undefined;
  private batch: Tuple[] = [];
  private text = '';
  private writing: Promise<void> | undefined;
  private flushSoon = false;
  private dirty = false;
  private syncTimer: ReturnType<typeof setInterval> | undefined;

  constructor(options: AppendFileSinkBoltOptions) {
    super();
    if (typeof options?.path !== 'string' || options.path === '') throw badOption(`AppendFileSinkBolt needs { path: string }, got path ${JSON.stringify(options?.path)}`);
    const format = options.format ?? 'json';
    if (format !== 'json' && format !== 'tsv' && typeof format !== 'function') throw badOption(`AppendFileSinkBolt format must be 'json', 'tsv' or a function, got ${JSON.stringify(format)}`);
    const fsync = options.fsync ?? 'always';
    if (!FSYNC_POLICIES.includes(fsync)) throw badOption(`AppendFileSinkBolt fsync must be one of ${FSYNC_POLICIES.join(', ')}, got ${JSON.stringify(fsync)}`);
    const interval = options.fsyncIntervalMs ?? 1000;
    if (!Number.isInteger(interval) || interval < 1) throw badOption(`AppendFileSinkBolt fsyncIntervalMs must be an integer >= 1, got ${JSON.stringify(interval)}`);
    this.path = options.path;
    this.format = format === 'json' ? jsonLine : format === 'tsv' ? (t) => formatTabSeparated(t.values) : format;
    this.fsync = fsync;
    this.fsyncIntervalMs = interval;
    this.builtinFormat = typeof format !== 'function';
    this.invalidStream = invalidStreamOption('AppendFileSinkBolt', options.invalidStream);
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareInvalidStream('AppendFileSinkBolt', this.invalidStream, declarer);
  }

  override async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    super.prepare(context, collector);
    assertSingleTask(context, 'AppendFileSinkBolt');
    try {
      await mkdir(dirname(this.path), { recursive: true });
      this.handle = await open(this.path, 'a');
    } catch (err) {
      throw new FileWriteError(this.path, `cannot open ${this.path} for appending: ${(err as Error).message}`, { cause: err });
    }
    if (this.fsync === 'interval') {
      this.syncTimer = setInterval(() => void this.syncIfDirty(), this.fsyncIntervalMs);
      this.syncTimer.unref();
    }
  }

  execute(t: Tuple): void {
    if (t.isTick()) {
      this.collector.ack(t);
      return;
    }
    let line: string;
    try {
      line = this.format(t);
    } catch (err) {
      if (this.builtinFormat || isDataError(err)) {
        // Bad data: the same values would fail the same way on every replay.
        const why = `cannot format the tuple as a line: ${err instanceof Error ? err.message : String(err)}`;
        this.collector.reportError(isDataError(err) ? err : new DataError('GALE_ERR_FILE_BAD_VALUE', `AppendFileSinkBolt "${this.context.thisComponentId}": ${why}; the tuple is emitted on stream "${this.invalidStream}" and acked`, { cause: err }));
        this.collector.emitStream(this.invalidStream, invalidRow(t, why), t);
        this.collector.ack(t);
        return;
      }
      this.collector.reportError(err);
      this.collector.fail(t);
      return;
    }
    this.text += line + '\n';
    this.batch.push(t);
    this.scheduleFlush();
  }

  /** Writes what is buffered and waits for it, then closes the file. */
  override async cleanup(): Promise<void> {
    clearInterval(this.syncTimer);
    await this.writing;
    if (this.batch.length > 0) await this.flush();
    const h = this.handle;
    this.handle = undefined;
    if (h === undefined) return;
    try {
      if (this.fsync !== 'never') await h.sync();
    } finally {
      await h.close();
    }
  }

  private scheduleFlush(): void {
    if (this.flushSoon || this.writing !== undefined) return;
    this.flushSoon = true;
    // Everything executed in this turn of the event loop goes out in one write.
    setImmediate(() => {
      this.flushSoon = false;
      if (this.writing === undefined && this.batch.length > 0) void this.flush();
    });
  }

  /** One write (and fsync with `always`) for the whole batch, then its acks. Never rejects. */
  private flush(): Promise<void> {
    const tuples = this.batch;
    const text = this.text;
    this.batch = [];
    this.text = '';
    const p = (async () => {
      try {
        const h = this.handle;
        if (h === undefined) throw new Error('the file is closed');
        await h.appendFile(text, 'utf8');
        if (this.fsync === 'always') await h.sync();
        else this.dirty = true;
        for (const t of tuples) this.collector.ack(t);
      } catch (err) {
        this.collector.reportError(new FileWriteError(this.path, `appending ${tuples.length} line(s) to ${this.path} failed: ${(err as Error).message}; tuples failed`, { cause: err }));
        for (const t of tuples) this.collector.fail(t);
      }
    })().finally(() => {
      this.writing = undefined;
      if (this.batch.length > 0) this.scheduleFlush();
    });
    this.writing = p;
    return p;
  }

  private async syncIfDirty(): Promise<void> {
    if (!this.dirty || this.handle === undefined) return;
    this.dirty = false;
    try {
      await this.handle.sync();
    } catch (err) {
      this.collector.reportError(new FileWriteError(this.path, `fsync of ${this.path} failed: ${(err as Error).message}`, { cause: err }));
    }
  }
}
