import type { LogsSince } from '../cluster-args.js';
import { CliUsageError } from '../usage-error.js';
import type { BooleanFlag, FlagTable, NumberFlag, StringFlag } from './table.js';

/** `gale logs`: its flag table (the cluster flags come from cluster-flags.ts). */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `5m`, `2h`, `1d` (ago), or an ISO date-time such as 2026-12-01T10:00:00Z. */
export function parseSince(text: string, hint: string): LogsSince {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (m !== null) return { agoMs: Math.round(Number(m[1]) * UNIT_MS[m[2]!]!) };
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isFinite(at)) return { atMs: at };
  }
  throw new CliUsageError('GALE_ERR_USAGE', `--since ${JSON.stringify(text)}: want a duration such as 30s, 5m, 2h, 1d, or an ISO time such as 2026-12-01T10:00:00Z`, hint);
}

/** The words of `gale logs` (its command is defined with the cluster flags in cluster-flags.ts). */
export const LOGS_TEXT = {
  name: 'logs',
  summary: 'Show (or follow) the worker logs of a topology',
  usage: 'gale logs <name> [--component <c>] [--task <n>] [--since <t>] [--follow] [--json]\n\nShow the worker logs of a topology.',
  epilog: [
    ['Reads each worker\'s log file through its supervisor\'s log endpoint (authenticated with the', 'cluster secret), merged in time order: component errors with their stack trace and source', 'line, console output of components, worker events. --follow keeps streaming new lines', 'until Ctrl-C (exit 0). Exit codes: 0 ok, 1 failure (no logs, a supervisor unreachable),', '2 usage error. Reference: docs/logging.md'].join(' '),
  ].join('\n'),
  examples: [
    ['gale logs wc --since 5m', 'the last 5 minutes (--component c: one)'],
    ['gale logs wc --follow', 'stream new lines until Ctrl-C'],
  ] as const,
  takes: 'one topology name',
} as const;

/** `gale logs` flags besides the cluster ones. */
export const LOGS_FLAGS = {
  component: { flag: 'component', kind: 'string', describe: 'Only lines of this component' } satisfies StringFlag,
  task: {
    flag: 'task', kind: 'number', unit: 'count', integer: true, min: 0, max: 1_000_000, describe: 'Only lines of this task id',
  } satisfies NumberFlag,
  since: {
    flag: 'since', kind: 'string', describe: 'Only lines since a duration ago (30s, 5m, 2h, 1d) or an ISO time',
    parse: (text, site) => parseSince(text, site.hint),
  } satisfies StringFlag<LogsSince>,
  follow: { flag: 'follow', alias: 'f', kind: 'boolean', describe: 'Keep streaming new lines until Ctrl-C' } satisfies BooleanFlag,
  json: { flag: 'json', kind: 'boolean', describe: 'Print each entry as one JSON line (NDJSON) on stdout' } satisfies BooleanFlag,
} as const satisfies FlagTable;
