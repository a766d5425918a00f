import { isValidName } from '../coord/names.js';

/** What `gale logs` asks a supervisor for (the query string of `GET /logs/<topology>`). */
export interface LogQuery {
  readonly topology: string;
  readonly component?: string;
  readonly task?: number;
  /** Only entries at or after this wall-clock ms. */
  readonly sinceMs?: number;
  /** Keep the response open and stream new entries. */
  readonly follow: boolean;
}

export const LOGS_PATH = '/logs/';

/** The request target (path and query) for `q`; the client signs exactly this. */
export function logQueryTarget(q: LogQuery): string {
  const params = new URLSearchParams();
  if (q.component !== undefined) params.set('component', q.component);
  if (q.task !== undefined) params.set('task', String(q.task));
  if (q.sinceMs !== undefined) params.set('since', String(q.sinceMs));
  if (q.follow) params.set('follow', '1');
  const qs = params.toString();
  return `${LOGS_PATH}${encodeURIComponent(q.topology)}${qs === '' ? '' : `?${qs}`}`;
}

/** Parses a request target; a string is the reason it is bad (400). */
export function parseLogQuery(target: string): LogQuery | string {
  const url = new URL(target, 'http://gale.invalid');
  if (!url.pathname.startsWith(LOGS_PATH)) return 'not found';
  let topology: string;
  try {
    topology = decodeURIComponent(url.pathname.slice(LOGS_PATH.length));
  } catch {
    return 'bad topology name';
  }
  if (!isValidName(topology)) return 'bad topology name';
  const p = url.searchParams;
  const num = (k: string): number | undefined | null => {
    const v = p.get(k);
    if (v === null) return undefined;
    return /^[0-9]{1,16}$/.test(v) ? Number(v) : null;
  };
  const task = num('task');
  const since = num('since');
  if (task === null || since === null) return 'task and since must be non-negative integers';
  const component = p.get('component') ?? undefined;
  return {
    topology, follow: p.get('follow') === '1',
    ...(component !== undefined ? { component } : {}), ...(task !== undefined ? { task } : {}), ...(since !== undefined ? { sinceMs: since } : {}),
  };
}

/** One parsed log line. */
export type LogEntry = Record<string, unknown>;

export function matchesQuery(e: LogEntry, q: LogQuery): boolean {
  if (q.component !== undefined && e.component !== q.component) return false;
  if (q.task !== undefined && e.task !== q.task) return false;
  if (q.sinceMs !== undefined && !(typeof e.time === 'number' && e.time >= q.sinceMs)) return false;
  return true;
}
