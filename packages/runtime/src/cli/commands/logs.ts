import { AdminSession, readLogs, type LogEntry, type LogQuery } from '../../cluster/admin/index.js';
import type { LogsArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { statusLine, writeText, type CliContext } from '../context.js';

/** pino's numeric levels. */
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Fields a plain line shows in its own place (the rest follow as key=value). */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'supervisor', 'port', 'worker', 'topology', 'component', 'task', 'err', 'source', 'stack', 'console']);

/**
 * `gale logs <name>`: the worker logs of a topology, read through the supervisors (cluster/admin
 * readLogs), one line per entry (`--json`: the entries as NDJSON). `--follow` streams until
 * Ctrl-C or SIGTERM, then exits 0.
 */
export async function runLogs(args: LogsArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'logs' });
  const target = resolveTarget(args, ctx, 'logs');
  const since = args.since === undefined ? undefined : 'agoMs' in args.since ? Date.now() - args.since.agoMs : args.since.atMs;
  const q: LogQuery = {
    topology: args.name, follow: args.follow,
    ...(args.component !== undefined ? { component: args.component } : {}),
    ...(args.task !== undefined ? { task: args.task } : {}),
    ...(since !== undefined ? { sinceMs: since } : {}),
  };
  const abort = new AbortController();
  const offSignal = ctx.onSignal(() => abort.abort());
  const session = await AdminSession.connect(target, log);
  let out = Promise.resolve();
  try {
    const results = await readLogs(session, q, {
      signal: abort.signal,
      onEntry: (e) => {
        const text = args.json ? `${JSON.stringify(e)}\n` : formatEntry(e);
        out = out.then(() => writeText(ctx.stdout, text));
      },
    });
    await out;
    let failed = false;
    for (const r of results) {
      if (r.outcome !== 'failed') continue;
      failed = true;
      statusLine(ctx, `gale: cannot read the logs on supervisor ${r.supervisor}: ${r.error}`);
    }
    return failed ? 1 : 0;
  } finally {
    offSignal();
    await session.close();
  }
}

/** `time LEVEL supervisor:port component:task message key=value...`, then the stack indented. */
export function formatEntry(e: LogEntry): string {
  const time = typeof e.time === 'number' ? new Date(e.time).toISOString() : '-';
  const level = typeof e.level === 'number' ? (LEVEL_NAMES[e.level] ?? String(e.level)) : 'INFO';
  const where = `${typeof e.supervisor === 'string' ? e.supervisor : '?'}:${typeof e.port === 'number' ? e.port : '?'}`;
  const who = typeof e.component === 'string' ? `${e.component}:${typeof e.task === 'number' ? e.task : '-'}` : '-';
  let msg = typeof e.msg === 'string' ? e.msg : '';
  if (typeof e.err === 'string') msg += `: ${e.err}`;
  if (typeof e.source === 'string') msg += ` (at ${e.source})`;
  const extra = Object.entries(e).filter(([k]) => !SHOWN.has(k)).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  let line = `${time} ${level.padEnd(5)} ${where} ${who} ${msg}${extra.length > 0 ? ` ${extra.join(' ')}` : ''}\n`;
  if (typeof e.stack === 'string') line += `${e.stack.split('\n').slice(1).map((l) => `    ${l.trim()}`).join('\n')}\n`;
  return line;
}
