import type { Assignment } from '../cluster/model.js';
import { ClusterCommandError, launchErrorLines, pollUntil, runningWorkers, type ClusterClient } from './cluster-client.js';
import { statusLine, type CliContext } from './context.js';

/**
 * Polls until the topology has an assignment and every worker of it heartbeats as running that
 * assignment version; progress on stderr. Throws GALE_ERR_DEPLOY_TIMEOUT naming what is missing.
 */
export async function waitForWorkers(
  client: ClusterClient, ctx: CliContext, name: string, waitS: number, accept: (a: Assignment) => boolean = () => true,
): Promise<Assignment> {
  let last = '';
  const progress = (line: string): void => {
    if (line !== last) statusLine(ctx, line);
    last = line;
  };
  const done = await pollUntil(async () => {
    const a = await client.assignment(name);
    if (a === undefined || !accept(a)) {
      progress(`gale: waiting for the leader to assign "${name}"`);
      return undefined;
    }
    const { running } = runningWorkers(a, await client.heartbeats(name));
    progress(`gale: "${name}" assigned (version ${a.version}) to ${a.workers.length} worker${a.workers.length === 1 ? '' : 's'}; ${running.length} running`);
    return running.length === a.workers.length ? a : undefined;
  }, waitS * 1000, 250);
  if (done !== undefined) return done;
  throw await timeoutError(client, name, waitS, accept);
}

async function timeoutError(client: ClusterClient, name: string, waitS: number, accept: (a: Assignment) => boolean): Promise<ClusterCommandError> {
  const a = await client.assignment(name);
  const errors = launchErrorLines(await client.topologyErrors(name));
  const see = `see "gale status ${name}"; the topology stays deployed ("gale kill ${name}" removes it)`;
  let head: string;
  if (a === undefined || !accept(a)) {
    const sups = await client.supervisors();
    head = sups.length === 0
      ? `"${name}" was not assigned within ${waitS} s: no supervisor is running (none registered under ${client.paths.supervisorsDir()}); start one with "gale supervisor"`
      : `"${name}" was not assigned within ${waitS} s (live supervisors: ${sups.join(', ')}; are all their slots taken?)`;
  } else {
    const { missing } = runningWorkers(a, await client.heartbeats(name));
    head = `${missing.length} of ${a.workers.length} workers of "${name}" are not running after ${waitS} s: ${missing.map((w) => `${w.host}:${w.port} (supervisor ${w.supervisor})`).join(', ')}`;
  }
  return new ClusterCommandError('GALE_ERR_DEPLOY_TIMEOUT', [head, ...errors, see].join('\n'));
}
