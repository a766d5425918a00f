import type { ClusterConfig } from '../../config/cluster-config.js';
import type { StoredError } from '../../coord/index.js';
import type { Assignment } from '../model.js';
import { ClusterCommandError } from './errors.js';
import { pollUntil } from './poll.js';
import { runningWorkers, type AdminSession } from './session.js';

/** Where a wait for workers stands, reported on every poll. */
export type WaitProgress =
  | { readonly assigned: false }
  | { readonly assigned: true; readonly version: number; readonly workers: number; readonly running: number };

/** The last line of a deploy's timeout: the topology stays deployed. */
export function deployAdvice(name: string): string {
  return `see "gale status ${name}"; the topology stays deployed ("gale kill ${name}" removes it)`;
}

/**
 * Polls until the topology has an assignment that `accept`s and every worker of it heartbeats as
 * running that assignment version. Throws GALE_ERR_DEPLOY_TIMEOUT naming what is missing, ending
 * with `advice` (what the caller's change leaves behind; a deploy's by default).
 */
export async function waitForWorkers(
  session: AdminSession, name: string, waitS: number, cfg: ClusterConfig,
  accept: (a: Assignment) => boolean = () => true, onProgress: (p: WaitProgress) => void = () => {},
  advice: string = deployAdvice(name),
  onLaunchError: (line: string) => void = () => {},
): Promise<Assignment> {
  const seen = new Set<string>();
  const since = Date.now();
  const done = await pollUntil(async () => {
    // Workers that die at start (or a supervisor that cannot launch them) are shown as they happen,
    // not only when the wait times out.
    const errors = await session.topologyErrors(name).catch(() => ({} as Record<string, StoredError[]>));
    for (const component of LAUNCH_COMPONENTS) {
      for (const e of errors[component] ?? []) {
        const key = `${component}\0${e.timeMs}\0${e.message}`;
        if (e.timeMs < since - CLOCK_SLACK_MS || seen.has(key)) continue;
        seen.add(key);
        onLaunchError(`${component}: ${firstLines(e.message)}`);
      }
    }
    const a = await session.assignment(name);
    if (a === undefined || !accept(a)) {
      onProgress({ assigned: false });
      return undefined;
    }
    const { running } = runningWorkers(a, await session.heartbeats(name));
    onProgress({ assigned: true, version: a.version, workers: a.workers.length, running: running.length });
    return running.length === a.workers.length ? a : undefined;
  }, waitS * 1000, cfg.adminPollMs);
  if (done !== undefined) return done;
  throw await timeoutError(session, name, waitS, accept, advice);
}

async function timeoutError(session: AdminSession, name: string, waitS: number, accept: (a: Assignment) => boolean, see: string): Promise<ClusterCommandError> {
  const a = await session.assignment(name);
  const errors = launchErrorLines(await session.topologyErrors(name));
  let head: string;
  if (a === undefined || !accept(a)) {
    const sups = await session.supervisors();
    head = sups.length === 0
      ? `"${name}" was not assigned within ${waitS} s: no supervisor is running (none registered under ${session.paths.supervisorsDir()}); start one with "gale supervisor"`
      : `"${name}" was not assigned within ${waitS} s (live supervisors: ${sups.join(', ')}; are all their slots taken?)`;
  } else {
    const { missing } = runningWorkers(a, await session.heartbeats(name));
    head = `${missing.length} of ${a.workers.length} workers of "${name}" are not running after ${waitS} s: ${missing.map((w) => `${w.host}:${w.port} (supervisor ${w.supervisor})`).join(', ')}`;
  }
  return new ClusterCommandError('GALE_ERR_DEPLOY_TIMEOUT', [head, ...errors, see].join('\n'));
}

const LAUNCH_COMPONENTS = ['__supervisor', '__worker'] as const;
/** Error timestamps come from the reporting host's wall clock: accept a little skew. */
const CLOCK_SLACK_MS = 5000;

/** A stored error on one line: its first line, then its last few (a worker's stderr tail) joined with " | ". */
function firstLines(message: string): string {
  const all = message.split('\n').filter((l) => l.trim() !== '');
  const shown = all.length <= 4 ? all : [all[0]!, ...all.slice(-3)];
  return shown.join(' | ');
}

/** Lines describing the last errors recorded by workers and supervisors (`__worker`, `__supervisor`). */
export function launchErrorLines(errors: Record<string, StoredError[]>, max = 3): string[] {
  const out: string[] = [];
  for (const component of LAUNCH_COMPONENTS) {
    for (const e of (errors[component] ?? []).slice(-max)) out.push(`${component}: ${e.message.replace(/\s*\n\s*/g, ' | ')}`);
  }
  return out;
}
