import type { Redis } from 'ioredis';
import { describeValue, DataError, type BoltWiring, type Tuple } from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { requireInputFields } from '../wiring-check.js';
import { parseConnectionOptions, RedisSinkBolt, toRedisString, type RedisSinkConnectionOptions } from './redis-sink-bolt.js';

/** Options of {@link RedisStreamSinkBolt}. */
export interface RedisStreamSinkBoltOptions extends RedisSinkConnectionOptions {
  /** The stream's key. */
  stream: string;
  /** Tuple fields written as the entry's fields (same names). Default: every field of the tuple. */
  fields?: readonly string[];
  /**
   * A tuple field holding an explicit entry id (`<ms>-<seq>`, increasing): a replayed tuple whose
   * entry is already in the stream is acked without a second entry (idempotent). Without it Redis
   * assigns ids (`*`) and a replay adds the entry again.
   */
  idField?: string;
  /** Trims the stream to about this many entries on each XADD (`MAXLEN ~`). Default: no trimming. */
  maxLen?: number;
}

const KNOWN = ['stream', 'fields', 'idField', 'maxLen'];
const ID_TOO_SMALL = /equal or smaller than the target stream top item/;
const ID_INVALID = /Invalid stream ID/i;

/**
 * Appends each tuple to a Redis stream with XADD (fields from the tuple, values as strings,
 * objects as JSON). The tuple is acked once Redis confirmed the entry and failed otherwise (its
 * spout replays it; with Redis away a {@link RedisWriteError} `GALE_ERR_REDIS_WRITE` is reported
 * once per outage). With `idField` the write is idempotent: an id already in the stream is taken
 * as a replay and acked; an id below the stream's last one that is not in it, or one that is not
 * an entry id, is bad data (Redis would refuse every replay): the tuple goes to the `invalid`
 * stream (`invalidStream`) and is acked, and a DataError `GALE_ERR_REDIS_BAD_ID` is reported. `prepare()` throws `GALE_ERR_REDIS_CONNECT` / `GALE_ERR_REDIS_AUTH`.
 *
 * ```ts
 * builder.setBolt('out', new RedisStreamSinkBolt({ stream: 'alerts', fields: ['user', 'score'] })).shuffleGrouping('score');
 * ```
 */
export class RedisStreamSinkBolt extends RedisSinkBolt {
  private readonly stream: string;
  private readonly fields: readonly FieldReader[] | undefined;
  private readonly idReader: FieldReader | undefined;
  private readonly trim: readonly (string | number)[];

  constructor(options: RedisStreamSinkBoltOptions) {
    const o = options as unknown as Record<string, unknown>;
    super('RedisStreamSinkBolt', parseConnectionOptions(o, 'RedisStreamSinkBolt', KNOWN));
    if (typeof o.stream !== 'string' || o.stream === '') throw badOption(`RedisStreamSinkBolt stream must be a non-empty string, got ${JSON.stringify(o.stream)}`);
    const fields = o.fields;
    if (fields !== undefined && (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string' && f !== ''))) {
      throw badOption(`RedisStreamSinkBolt fields must be a non-empty list of field names, got ${JSON.stringify(fields)}`);
    }
    const idField = o.idField;
    if (idField !== undefined && (typeof idField !== 'string' || idField === '')) throw badOption('RedisStreamSinkBolt idField must be a non-empty string');
    const maxLen = o.maxLen;
    if (maxLen !== undefined && (typeof maxLen !== 'number' || !Number.isInteger(maxLen) || maxLen < 1)) {
      throw badOption(`RedisStreamSinkBolt maxLen must be an integer >= 1, got ${JSON.stringify(maxLen)}`);
    }
    this.stream = o.stream;
    this.fields = (fields as string[] | undefined)?.map((f) => new FieldReader(f));
    this.idReader = idField === undefined ? undefined : new FieldReader(idField);
    this.trim = maxLen === undefined ? [] : ['MAXLEN', '~', maxLen];
  }

  /** A field an input does not declare is refused at build() (not failed per tuple). */
  checkInputs(wiring: BoltWiring): void {
    const reads = (this.fields ?? []).map((f) => ({ option: 'fields', field: f.name }));
    requireInputFields('RedisStreamSinkBolt', wiring, [...reads, { option: 'idField', field: this.idReader?.name }]);
  }

  protected write(redis: Redis, t: Tuple): Promise<void> {
    const args: (string | number)[] = [this.stream, ...this.trim];
    const id = this.idReader === undefined ? '*' : toRedisString(this.idReader.read(t));
    args.push(id);
    if (this.fields !== undefined) {
      for (const f of this.fields) args.push(f.name, toRedisString(f.read(t)));
    } else {
      const names = t.fields.names;
      for (let i = 0; i < names.length; i++) args.push(names[i]!, toRedisString(t.values[i]));
    }
    return redis.call('XADD', args).then(
      () => undefined,
      async (err: unknown) => {
        if (id === '*' || !(err instanceof Error)) throw err;
        if (ID_INVALID.test(err.message)) {
          throw new DataError('GALE_ERR_REDIS_BAD_ID', `RedisStreamSinkBolt: ${describeValue(id)} is not a stream entry id (<ms>-<seq>); the tuple is emitted on stream "${this.invalidStream}" and acked`, { cause: err });
        }
        if (!ID_TOO_SMALL.test(err.message)) throw err;
        // A replay of an entry already written, or an id out of order: only the first is fine.
        const found = (await redis.call('XRANGE', [this.stream, id, id, 'COUNT', 1])) as unknown[];
        if (Array.isArray(found) && found.length > 0) return;
        throw new DataError('GALE_ERR_REDIS_BAD_ID', `RedisStreamSinkBolt: entry id ${id} is below the last id of stream "${this.stream}" and not in it (ids must increase); the tuple is emitted on stream "${this.invalidStream}" and acked`, { cause: err });
      },
    );
  }
}
