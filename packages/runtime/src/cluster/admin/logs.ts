import { request, type IncomingMessage } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { logRequestHeaders } from '../log-auth.js';
import { CAUGHT_UP } from '../log-endpoint.js';
import { logQueryTarget, type LogEntry, type LogQuery } from '../log-query.js';
import { ClusterCommandError } from './errors.js';
import type { AdminSession } from './session.js';

export type { LogEntry, LogQuery } from '../log-query.js';

/** How one supervisor answered a log request. */
export type LogSourceResult =
  | { readonly supervisor: string; readonly outcome: 'answered' | 'no-logs' }
  | { readonly supervisor: string; readonly outcome: 'failed'; readonly error: string };

export interface ReadLogsOptions {
  /** Each matching entry: in time order for what is on disk, then (follow) as new lines arrive. */
  readonly onEntry: (e: LogEntry) => void;
  /** Ends a follow (and any request still running). */
  readonly signal?: AbortSignal;
}

const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Reads a topology's worker logs through every live supervisor's authenticated log endpoint
 * (cluster/log-endpoint.ts), never from shared disk: the supervisors are asked in parallel, the
 * entries already written are merged by time, and with `follow` new entries are passed on as
 * they come until `signal` aborts. Resolves with how each supervisor answered;
 * GALE_ERR_NO_LOGS when none has logs of the topology.
 */
export async function readLogs(session: AdminSession, q: LogQuery, opts: ReadLogsOptions): Promise<LogSourceResult[]> {
  const secret = session.target.secret ?? (await session.zk.getData(`${session.paths.root}/cluster-secret`)).data.toString('utf8');
  const { entries } = await session.supervisorStore.list();
  const sources = [...entries.values()].map((e) => e.value);
  if (sources.length === 0) throw new ClusterCommandError('GALE_ERR_NO_LOGS', `no supervisor is running (none registered under ${session.paths.supervisorsDir()}), so no logs of "${q.topology}" can be read; start one with "gale supervisor"`);
  const target = logQueryTarget(q);
  const backlog: LogEntry[] = [];
  let pendingBacklog = sources.length;
  let live = false;
  const backlogDone = (): void => {
    if (--pendingBacklog > 0) return;
    backlog.sort((a, b) => timeOf(a) - timeOf(b));
    for (const e of backlog.splice(0)) opts.onEntry(e);
    live = true;
  };
  const results = await Promise.all(sources.map(async (s): Promise<LogSourceResult> => {
    let caughtUp = false;
    const markCaughtUp = (): void => {
      if (caughtUp) return;
      caughtUp = true;
      backlogDone();
    };
    try {
      if (s.logsPort === undefined) throw new Error('this supervisor has no log endpoint (an older version)');
      const res = await get(s.host, s.logsPort, target, logRequestHeaders(secret, 'GET', target), opts.signal);
      if (res.statusCode === 404) {
        res.resume();
        return { supervisor: s.id, outcome: 'no-logs' };
      }
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${(await text(res)).trim()}`);
      await lines(res, (line) => {
        const e = JSON.parse(line) as LogEntry;
        if (e.gale === CAUGHT_UP.gale) markCaughtUp();
        else if (live && caughtUp) opts.onEntry(e);
        else backlog.push(e);
      });
      return { supervisor: s.id, outcome: 'answered' };
    } catch (err) {
      if (opts.signal?.aborted === true) return { supervisor: s.id, outcome: 'answered' };
      return { supervisor: s.id, outcome: 'failed', error: (err as Error).message };
    } finally {
      markCaughtUp();
    }
  }));
  if (results.every((r) => r.outcome === 'no-logs')) {
    throw new ClusterCommandError('GALE_ERR_NO_LOGS', `no logs of topology "${q.topology}" on any supervisor (${sources.map((s) => s.id).join(', ')})`);
  }
  return results;
}

function timeOf(e: LogEntry): number {
  return typeof e.time === 'number' ? e.time : 0;
}

function get(host: string, port: number, path: string, headers: Record<string, string>, signal: AbortSignal | undefined): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method: 'GET', headers, ...(signal !== undefined ? { signal } : {}) }, resolve);
    req.setTimeout(ANSWER_TIMEOUT_MS, () => req.destroy(new Error(`no answer from ${host}:${port} within ${ANSWER_TIMEOUT_MS / 1000} s`)));
    req.on('response', () => req.setTimeout(0));
    req.on('error', reject);
    req.end();
  });
}

async function text(res: IncomingMessage): Promise<string> {
  let out = '';
  for await (const chunk of res) out += String(chunk);
  return out;
}

async function lines(res: IncomingMessage, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  for await (const chunk of res) {
    const parts = (carry + decoder.write(chunk as Buffer)).split('\n');
    carry = parts.pop()!;
    for (const l of parts) if (l !== '') onLine(l);
  }
  if (carry.trim() !== '') onLine(carry);
}
