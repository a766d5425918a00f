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
): Promise<Assignment> {
  const done = await pollUntil(async () => {
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

/** Lines describing the last errors recorded by workers and supervisors (`__worker`, `__supervisor`). */
export function launchErrorLines(errors: Record<string, StoredError[]>, max = 3): string[] {
  const out: string[] = [];
  for (const component of ['__supervisor', '__worker']) {
    for (const e of (errors[component] ?? []).slice(-max)) out.push(`${component}: ${e.message.replace(/\s*\n\s*/g, ' | ')}`);
  }
  return out;
}
