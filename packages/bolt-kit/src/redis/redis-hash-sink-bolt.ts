import type { Redis } from 'ioredis';
import { describeValue, DataError, type BoltWiring, type Tuple } from '@gale/runtime';
import { badOption } from '../errors.js';
import { FieldReader } from '../field-reader.js';
import { requireInputFields } from '../wiring-check.js';
import { parseConnectionOptions, RedisSinkBolt, toRedisString, type RedisSinkConnectionOptions } from './redis-sink-bolt.js';

/** Options of {@link RedisHashSinkBolt}. */
export interface RedisHashSinkBoltOptions extends RedisSinkConnectionOptions {
  /** `hset` (default): the hash field is set to the value. `hincrby`: the hash field is incremented by the value (an integer, default 1). */
  op?: 'hset' | 'hincrby';
  /** The hash's key, fixed. Give this or `keyField`. */
  key?: string;
  /** The tuple field whose value is the hash's key (prefixed with `keyPrefix`). */
  keyField?: string;
  /** Prepended to the value of `keyField`. Default ''. */
  keyPrefix?: string;
  /** The tuple field whose value names the hash field. */
  hashField: string;
  /** The tuple field with the value (`hset`) or the increment (`hincrby`; default: increment by 1). Required for `hset`. */
  valueField?: string;
  /**
   * A tuple field with a unique id of the input (e.g. the stream entry id a spout emitted): the
   * write and a marker key `<dedupePrefix><id>` are set in one script, so a replayed tuple is
   * written once. Makes `hincrby` exactly-once in effect for `dedupeTtlMs`.
   */
  dedupeField?: string;
  /** Prefix of the marker keys. Default `gale:dedupe:`. */
  dedupePrefix?: string;
  /** How long a marker lives. Default 86400000 (a day): longer than any replay. */
  dedupeTtlMs?: number;
}

const KNOWN = ['op', 'key', 'keyField', 'keyPrefix', 'hashField', 'valueField', 'dedupeField', 'dedupePrefix', 'dedupeTtlMs'];

// SET NX of the marker and the write in one step: either both happen or neither (Redis runs a script atomically).
const DEDUPE_SCRIPT = `
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then
  if ARGV[1] == 'hincrby' then return redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[3]) end
  return redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
end
return false`;

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw badOption(`RedisHashSinkBolt ${k} must be a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Writes each tuple into a Redis hash: `HSET key field value` or `HINCRBY key field n`, where the
 * key is fixed or read from a tuple field, and field and value come from tuple fields. The tuple
 * is acked once Redis confirmed the write and failed otherwise (its spout replays it): with Redis
 * away, a {@link RedisWriteError} (`GALE_ERR_REDIS_WRITE`) is reported once per outage. An
 * `hincrby` increment that is not an integer is bad data: nothing is written, the tuple goes to
 * the `invalid` stream (`invalidStream`) and is acked, and a DataError `GALE_ERR_REDIS_BAD_VALUE`
 * is reported. `hset` is
 * idempotent; `hincrby` counts a replay twice unless `dedupeField` names a unique input id.
 * `prepare()` throws `GALE_ERR_REDIS_CONNECT` / `GALE_ERR_REDIS_AUTH` for bad connection settings.
 *
 * ```ts
 * builder.setBolt('totals', new RedisHashSinkBolt({ op: 'hincrby', key: 'status-counts', hashField: 'status', valueField: 'count' }))
 *   .fieldsGrouping('count', ['status']);
 * ```
 */
export class RedisHashSinkBolt extends RedisSinkBolt {
  private readonly op: 'hset' | 'hincrby';
  private readonly key: string | undefined;
  private readonly keyReader: FieldReader | undefined;
  private readonly keyPrefix: string;
  private readonly fieldReader: FieldReader;
  private readonly valueReader: FieldReader | undefined;
  private readonly dedupeReader: FieldReader | undefined;
  private readonly dedupePrefix: string;
  private readonly dedupeTtlMs: number;

  constructor(options: RedisHashSinkBoltOptions) {
    const o = options as unknown as Record<string, unknown>;
    super('RedisHashSinkBolt', parseConnectionOptions(o, 'RedisHashSinkBolt', KNOWN));
    const op = o.op ?? 'hset';
    if (op !== 'hset' && op !== 'hincrby') throw badOption(`RedisHashSinkBolt op must be 'hset' or 'hincrby', got ${JSON.stringify(op)}`);
    const key = str(o, 'key');
    const keyField = str(o, 'keyField');
    if ((key === undefined) === (keyField === undefined)) throw badOption('RedisHashSinkBolt needs exactly one of key and keyField');
    const hashField = str(o, 'hashField');
    if (hashField === undefined) throw badOption('RedisHashSinkBolt needs hashField (the tuple field naming the hash field)');
    const valueField = str(o, 'valueField');
    if (op === 'hset' && valueField === undefined) throw badOption("RedisHashSinkBolt op 'hset' needs valueField");
    const ttl = o.dedupeTtlMs ?? 86_400_000;
    if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1) throw badOption(`RedisHashSinkBolt dedupeTtlMs must be an integer >= 1, got ${JSON.stringify(ttl)}`);
    this.op = op;
    this.key = key;
    this.keyReader = keyField === undefined ? undefined : new FieldReader(keyField);
    this.keyPrefix = (o.keyPrefix as string | undefined) ?? '';
    this.fieldReader = new FieldReader(hashField);
    this.valueReader = valueField === undefined ? undefined : new FieldReader(valueField);
    const dedupeField = str(o, 'dedupeField');
    this.dedupeReader = dedupeField === undefined ? undefined : new FieldReader(dedupeField);
    this.dedupePrefix = str(o, 'dedupePrefix') ?? 'gale:dedupe:';
    this.dedupeTtlMs = ttl;
  }

  /** A field an input does not declare is refused at build() (not failed per tuple). */
  checkInputs(wiring: BoltWiring): void {
    requireInputFields('RedisHashSinkBolt', wiring, [
      { option: 'keyField', field: this.keyReader?.name }, { option: 'hashField', field: this.fieldReader.name },
      { option: 'valueField', field: this.valueReader?.name }, { option: 'dedupeField', field: this.dedupeReader?.name },
    ]);
  }

  protected write(redis: Redis, t: Tuple): Promise<void> {
    const key = this.key ?? this.keyPrefix + toRedisString(this.keyReader!.read(t));
    const field = toRedisString(this.fieldReader.read(t));
    let value: string;
    if (this.op === 'hincrby') {
      const n = this.valueReader === undefined ? 1 : this.valueReader.read(t);
      const int = typeof n === 'string' && /^-?\d+$/.test(n) ? Number(n) : n;
      if (typeof int !== 'number' || !Number.isSafeInteger(int)) {
        throw new DataError('GALE_ERR_REDIS_BAD_VALUE', `RedisHashSinkBolt: increment ${describeValue(n)} of ${key}/${field} is not an integer; the tuple is emitted on stream "${this.invalidStream}" and acked`);
      }
      value = String(int);
    } else {
      value = toRedisString(this.valueReader!.read(t));
    }
    if (this.dedupeReader !== undefined) {
      const marker = this.dedupePrefix + toRedisString(this.dedupeReader.read(t));
      return redis.call('EVAL', [DEDUPE_SCRIPT, 2, key, marker, this.op, field, value, this.dedupeTtlMs]).then(() => undefined);
    }
    return redis.call(this.op === 'hincrby' ? 'HINCRBY' : 'HSET', [key, field, value]).then(() => undefined);
  }
}
