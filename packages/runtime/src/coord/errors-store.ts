/**
 * The last errors of each (topology, component), for `gale status`: a JSON array in one znode at
 * `errors/<topology>/<component>`, appended with a version compare-and-set loop so concurrent
 * workers never lose each other's errors.
 */
import { foldRecentError, type ReportedError } from '../api/stats.js';
import { retry, isRetriable } from '../retry.js';
import type { ZkPaths } from './paths.js';
import type { ZkClient } from './zk-client.js';
import { ZkError } from './zk-errors.js';

export interface StoredError {
  /** Wall-clock ms (Date.now()) on the reporting host. */
  timeMs: number;
  message: string;
  code?: string;
  host?: string;
  port?: number;
  taskId?: number;
  /** `file:line:col` of the first stack frame in the topology's code (source-mapped). */
  source?: string;
  /** The stack trace, source-mapped (capped like the message). */
  stack?: string;
  /** A `DataError` (bad input data): repeats are recognised by `code`, not by message. */
  data?: boolean;
  /**
   * Occurrences this entry stands for, when more than one: an append that repeats an entry (the
   * same message; for bad data the same code) replaces it and adds to its count, so one repeated
   * error (a bad-data flood) takes one of the kept slots instead of all of them.
   */
  count?: number;
}

export const ERRORS_KEPT = 10;

/**
 * The stored form of an error a component reported on `host` (and `port`: a worker's), standing
 * for `count` reports when more than one: what a worker writes and what local mode's REST view shows.
 */
export function storedErrorOf(e: ReportedError, host: string, port: number | undefined, count: number | undefined): StoredError {
  return {
    timeMs: e.time, message: e.message, host, ...(port !== undefined ? { port } : {}), taskId: e.task,
    ...(e.code !== undefined ? { code: e.code } : {}), ...(e.data === true ? { data: true } : {}), ...(count !== undefined && count > 1 ? { count } : {}),
    ...(e.source !== undefined ? { source: e.source } : {}), ...(e.stack !== undefined ? { stack: e.stack } : {}),
  };
}
/** Per-field cap so ten errors always fit in one znode. */
const MAX_MESSAGE_CHARS = 4000;

function isCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof ZkError && codes.includes(err.code);
}

function isStoredError(v: unknown): v is StoredError {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  const optional = (k: string, type: 'string' | 'number'): boolean => e[k] === undefined || typeof e[k] === type;
  return typeof e.timeMs === 'number' && typeof e.message === 'string' && optional('code', 'string') && optional('host', 'string')
    && optional('port', 'number') && optional('taskId', 'number') && optional('source', 'string') && optional('stack', 'string')
    && optional('count', 'number') && (e.data === undefined || typeof e.data === 'boolean');
}

/**
 * Unlike the records of the other stores, error history is best effort: what cannot be read (not
 * JSON, not an array, an entry of the wrong shape) is dropped, not fatal, so appending always
 * works and rewrites the znode with valid entries.
 */
function parse(data: Buffer): StoredError[] {
  if (data.length === 0) return [];
  try {
    const v = JSON.parse(data.toString('utf8')) as unknown;
    return Array.isArray(v) ? v.filter(isStoredError) : [];
  } catch {
    return [];
  }
}

export class ErrorsStore {
  constructor(private readonly client: ZkClient, private readonly paths: ZkPaths, private readonly keep = ERRORS_KEPT) {}

  /** Appends one error (folding a repeat into its entry), keeping `keep` (default 10) by the shared rule (api/stats.ts foldRecentError). */
  async append(topology: string, component: string, error: StoredError): Promise<void> {
    const path = this.paths.componentErrors(topology, component);
    const entry: StoredError = {
      ...error, message: error.message.slice(0, MAX_MESSAGE_CHARS), ...(error.stack !== undefined ? { stack: error.stack.slice(0, MAX_MESSAGE_CHARS) } : {}),
    };
    await retry(async () => {
      let current: { data: Buffer; version: number } | undefined;
      try {
        current = await this.client.getData(path);
      } catch (err) {
        if (!isCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err;
      }
      if (current === undefined) {
        await this.client.mkdirp(this.paths.errorsDir(topology));
        await this.client.create(path, Buffer.from(JSON.stringify([entry])));
        return;
      }
      const list = foldRecentError(parse(current.data), entry, this.keep, (_old, next, count) => ({ ...next, count }));
      await this.client.setData(path, Buffer.from(JSON.stringify(list)), current.version);
    }, {
      retries: 50,
      initialMs: 5,
      maxMs: 500,
      // Lost a race (someone wrote or created first): read again and re-apply.
      shouldRetry: err => isCode(err, 'GALE_ERR_ZK_BAD_VERSION', 'GALE_ERR_ZK_NODE_EXISTS') || isRetriable(err),
    });
  }

  /** Newest last. */
  async list(topology: string, component: string): Promise<StoredError[]> {
    try {
      return parse((await this.client.getData(this.paths.componentErrors(topology, component))).data);
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return [];
      throw err;
    }
  }

  /** Every component's errors for a topology. */
  async listTopology(topology: string): Promise<Record<string, StoredError[]>> {
    let components: string[];
    try {
      components = await this.client.getChildren(this.paths.errorsDir(topology));
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return {};
      throw err;
    }
    components.sort();
    const lists = await Promise.all(components.map(c => this.list(topology, c)));
    return Object.fromEntries(components.map((c, i) => [c, lists[i]!]));
  }

  /** Drops a topology's error history (on kill). */
  async removeTopology(topology: string): Promise<void> {
    await this.client.removeRecursive(this.paths.errorsDir(topology));
  }
}

