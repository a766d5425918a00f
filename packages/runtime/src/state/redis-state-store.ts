import type { Redis as RedisClient } from 'ioredis';
import { StateError } from '../errors.js';
import { closeRedis, openRedis, redactUrl } from '../redis/redis-connection.js';
import type { StateNamespace, StateSnapshot, StateStore, StateStoreProvider, StoredState } from '../api/state/state-store.js';

/*
 * The Redis backend (ioredis). Per task, three keys under `gale:state:<topology>:<component>:<index>`:
 * `:committed` and `:prepared` (hashes of key JSON → value JSON) and `:meta` (the txid of each).
 * PREPARE replaces `:prepared` in one MULTI; COMMIT renames it over `:committed` in one Lua script
 * (atomic, idempotent). Commands fail fast while the server is away (no offline queue): the
 * checkpoint fails and rolls back, and the next one retries; committed state is never touched.
 */

const COMMIT_SCRIPT = `
local p = redis.call('HGET', KEYS[3], 'prepared')
if p == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[1]) end
  redis.call('HSET', KEYS[3], 'committed', ARGV[1])
  redis.call('HDEL', KEYS[3], 'prepared')
end
return 1`;

/** Fields per HSET (a huge snapshot is written in several commands of one MULTI). */
const HSET_CHUNK = 1000;

class RedisStateStore implements StateStore {
  private readonly committedKey: string;
  private readonly preparedKey: string;
  private readonly metaKey: string;

  constructor(private readonly client: () => Promise<RedisClient>, private readonly url: string, readonly prefix: string) {
    this.committedKey = `${prefix}:committed`;
    this.preparedKey = `${prefix}:prepared`;
    this.metaKey = `${prefix}:meta`;
  }

  async load(): Promise<StoredState> {
    const r = await this.run('load', async (c) => {
      const res = await c.multi().hgetall(this.committedKey).hgetall(this.preparedKey).hgetall(this.metaKey).exec();
      return (res ?? []).map(([err, v]) => {
        if (err) throw err;
        return v as Record<string, string>;
      });
    });
    const [committed = {}, prepared = {}, meta = {}] = r;
    const txid = (field: string): number | undefined => {
      const v = meta[field];
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw this.corrupt(`${this.metaKey} field "${field}" is ${JSON.stringify(v)}, not a txid`);
      return n;
    };
    const ct = txid('committed') ?? 0;
    const pt = txid('prepared');
    return {
      committed: { txid: ct, entries: this.decode(this.committedKey, committed) },
      prepared: pt === undefined ? undefined : { txid: pt, entries: this.decode(this.preparedKey, prepared) },
    };
  }

  async prepare(snapshot: StateSnapshot): Promise<void> {
    await this.run('prepare', async (c) => {
      const m = c.multi().del(this.preparedKey);
      for (let i = 0; i < snapshot.entries.length; i += HSET_CHUNK) {
        const args: string[] = [];
        for (const [k, v] of snapshot.entries.slice(i, i + HSET_CHUNK)) args.push(k, JSON.stringify(v));
        m.hset(this.preparedKey, ...args);
      }
      m.hset(this.metaKey, 'prepared', String(snapshot.txid));
      const res = await m.exec();
      for (const [err] of res ?? []) if (err) throw err;
    });
  }

  async commit(txid: number): Promise<void> {
    await this.run('commit', (c) => c.eval(COMMIT_SCRIPT, 3, this.committedKey, this.preparedKey, this.metaKey, String(txid)));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private decode(key: string, h: Record<string, string>): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const [k, v] of Object.entries(h)) {
      try {
        out.push([k, JSON.parse(v)]);
      } catch {
        throw this.corrupt(`${key} field ${k} is not JSON`);
      }
    }
    return out;
  }

  private corrupt(why: string): StateError {
    return new StateError('GALE_ERR_STATE_CORRUPT', `state in Redis at ${this.url} is corrupt: ${why}; delete the keys ${this.prefix}:* to start this task from empty state`);
  }

  private async run<T>(op: string, f: (c: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await f(await this.client());
    } catch (err) {
      if (err instanceof StateError) throw err;
      throw new StateError('GALE_ERR_STATE_UNAVAILABLE', `state ${op} on Redis ${this.url} (${this.prefix}) failed: ${(err as Error).message}`, { cause: err, retriable: true });
    }
  }
}

/** One ioredis connection per provider (a worker's stateful tasks share it), opened at first use. */
export class RedisStateStores implements StateStoreProvider {
  private client: RedisClient | undefined;
  private connecting: Promise<RedisClient> | undefined;
  private closed = false;

  constructor(readonly url: string) {}

  open(ns: StateNamespace): StateStore {
    return new RedisStateStore(() => this.connect(), redactUrl(this.url), `gale:state:${ns.topology}:${ns.component}:${ns.taskIndex}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await closeRedis(c);
  }

  private connect(): Promise<RedisClient> {
    if (this.closed) return Promise.reject(new Error('state store closed'));
    if (this.client !== undefined) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      // openRedis loads ioredis on first use (importing @gale/runtime must not). A failed
      // operation reports itself as a StateError; the connection reconnects by itself.
      const c = await openRedis({
        url: this.url, name: 'gale:state', connectTimeoutMs: 2000, commandTimeoutMs: 5000,
        reconnect: { initialMs: 100, maxMs: 2000 },
      });
      this.client = c;
      return c;
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
