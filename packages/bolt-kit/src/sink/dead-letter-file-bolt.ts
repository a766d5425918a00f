import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { BaseBasicBolt, DEAD_LETTER_FIELDS, type BoltWiring, type OutputFieldsDeclarer, type TopologyContext, type Tuple } from '@gale/runtime';
import { badOption, FileWriteError } from '../errors.js';
import { requireInputFields } from '../wiring-check.js';

/** Options of {@link DeadLetterFileBolt}. */
export interface DeadLetterFileBoltOptions {
  /** File the records are appended to (created with its parent directories; never truncated). */
  path: string;
  /** fsync after every record (default true): a record is on disk before `execute` returns. */
  fsync?: boolean;
}

/** One line of a dead-letter file, as JSON. */
export interface DeadLetterRecord {
  /** ISO time the sink wrote the record. */
  time: string;
  /** The spout that gave up, and its task. */
  component: string;
  task: number;
  messageId: unknown;
  /** Stream and values of the spout's original emit. */
  stream: string;
  values: unknown;
  reason: string;
  attempts: number;
}

// bigint is not JSON; write it as a decimal string rather than lose the record.
function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function describeId(id: unknown): string {
  try {
    return JSON.stringify(id, replacer) ?? String(id);
  } catch {
    return String(id);
  }
}

function toLine(record: DeadLetterRecord): string {
  try {
    return JSON.stringify(record, replacer) + '\n';
  } catch {
    // Circular or otherwise unserializable values: keep the record, describe what could not be written.
    return JSON.stringify({ ...record, messageId: String(record.messageId), values: `[unserializable] ${String(record.values)}` }) + '\n';
  }
}

/**
 * Appends one JSON line ({@link DeadLetterRecord}) per tuple of a spout's `__dead_letter`
 * stream to `path`: the messages the spout gave up on after `maxRetries` failures. Subscribe
 * it to each spout's dead-letter stream:
 *
 * ```ts
 * builder.setSpout('orders', ordersSpout, { maxRetries: 3 });
 * builder.setBolt('dlq', new DeadLetterFileBolt({ path: 'dead-letters.jsonl' })).shuffleGrouping('orders', DEAD_LETTER_STREAM);
 * ```
 *
 * Each record is written with one synchronous `write` on a file opened for appending (and by
 * default fsynced), so it is complete on disk when `execute` returns, and several tasks on one
 * machine can share the file without interleaving lines. Synchronous writes block the event
 * loop for the duration of the write; dead letters are meant to be rare. In cluster mode each
 * worker writes the file on its own machine. A failed write is a {@link FileWriteError}
 * (`GALE_ERR_FILE_WRITE`), reported by the engine (the dead-letter tuple is untracked, so it is
 * not retried). Tick tuples are ignored.
 */
export class DeadLetterFileBolt extends BaseBasicBolt {
  private readonly path: string;
  private readonly fsync: boolean;
  private fd: number | undefined;

  constructor(options: DeadLetterFileBoltOptions) {
    super();
    if (typeof options?.path !== 'string' || options.path === '') throw badOption(`DeadLetterFileBolt needs { path: string }, got path ${JSON.stringify(options?.path)}`);
    if (options.fsync !== undefined && typeof options.fsync !== 'boolean') throw badOption(`DeadLetterFileBolt fsync must be a boolean, got ${JSON.stringify(options.fsync)}`);
    this.path = options.path;
    this.fsync = options.fsync ?? true;
  }

  /** An input that is not a dead-letter stream (its fields) is refused at build(). */
  checkInputs(wiring: BoltWiring): void {
    requireInputFields('DeadLetterFileBolt', wiring, DEAD_LETTER_FIELDS.map((field) => ({ field })), undefined,
      `subscribe it to a spout's dead-letter stream: .shuffleGrouping(spoutId, DEAD_LETTER_STREAM)`);
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  /** Opens `path` for appending (creating it and its parent directories). */
  override prepare(context: TopologyContext): void {
    super.prepare(context);
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(this.path, 'a');
    } catch (err) {
      throw new FileWriteError(this.path, `cannot open dead-letter file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
  }

  execute(tuple: Tuple): void {
    if (tuple.isTick()) return;
    const record: DeadLetterRecord = {
      time: new Date().toISOString(),
      component: tuple.sourceComponent,
      task: tuple.sourceTask,
      messageId: tuple.getValueByField('messageId'),
      stream: tuple.getValueByField('stream') as string,
      values: tuple.getValueByField('values'),
      reason: tuple.getValueByField('reason') as string,
      attempts: tuple.getValueByField('attempts') as number,
    };
    const line = Buffer.from(toLine(record), 'utf8');
    try {
      let off = 0;
      while (off < line.length) off += writeSync(this.fd!, line, off);
      if (this.fsync) fsyncSync(this.fd!);
    } catch (err) {
      throw new FileWriteError(
        this.path,
        `cannot append dead letter (spout "${record.component}", message id ${describeId(record.messageId)}) to ${this.path}: ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /** Closes the file (once; later calls do nothing). */
  override cleanup(): void {
    const fd = this.fd;
    if (fd === undefined) return;
    this.fd = undefined;
    closeSync(fd);
  }
}
