// The chaos plan's U5 and U6 (/work/shared/RELIABILITY.md), checked after every scenario:
//   U5: after quiesce, no pending trees (the spouts' pending and the ackers' tracked trees, from
//       the workers' heartbeat stats, read through `gale status`), no stray worker heartbeat
//       (one per running worker); after `gale kill`, no znode left under the topology's paths and
//       no worker process left under any supervisor.
//   U6: no crash or unexpected exit of a process that was not faulted: every supervisor the
//       scenario did not kill still runs, and no supervisor reported `worker.crashed` or
//       `worker.hung` for a worker the scenario did not fault.
import { readdirSync, readFileSync } from 'node:fs';
import type { ReceivedEvent, SupervisorProcess, TestCluster } from '../cluster/cluster-harness.js';
import { until } from '../cluster/cluster-harness.js';

/** The chaos fixture's topology name (test/chaos/fixtures/numbered.ts). */
const TOPOLOGY = 'numbered';

/** What a scenario faulted on purpose: U6 does not hold those to account. */
export interface Faulted {
  /** Supervisors killed or stopped on purpose (by id). */
  supervisors?: readonly string[];
  /**
   * Crash/hung events the fault explains (e.g. the port of a worker killed with -9, or a crash
   * with the exit code a crash-looping bolt uses). Default: none is expected.
   */
  expected?: (e: ReceivedEvent<'worker.crashed'> | ReceivedEvent<'worker.hung'>, sup: SupervisorProcess) => boolean;
}

export interface InvariantReport {
  /** Wait after the last ack until no tree was pending (ms). */
  quiesceMs: number;
  /** Crash/hung events the fault explains. */
  expectedCrashes: number;
}

/** Live (not zombie) child processes of `ppids`, read from /proc. */
export function childrenOf(ppids: readonly number[]): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid ...
      if (f[0] !== 'Z' && ppids.includes(Number(f[1]))) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** U6: non-faulted supervisors run; every crash/hung event is one the fault explains. */
export function checkNoUnexpectedCrash(cluster: TestCluster, faulted: Faulted = {}): number {
  const killed = new Set(faulted.supervisors ?? []);
  const unexpected: string[] = [];
  let expected = 0;
  for (const s of cluster.supervisors) {
    if (!killed.has(s.id) && !s.running) unexpected.push(`supervisor ${s.id} exited (${String(s.child.exitCode ?? s.child.signalCode)})`);
    for (const e of [...s.eventsOf('worker.crashed'), ...s.eventsOf('worker.hung')]) {
      if (killed.has(s.id)) continue;
      if (faulted.expected?.(e, s) === true) expected++;
      else unexpected.push(`${s.id}: ${e.event} ${JSON.stringify(e.data)}`);
    }
  }
  expect(unexpected).toEqual([]);
  return expected;
}

/** One worker heartbeat as the chaos checks read it (the subset of coord/records.ts WorkerHeartbeat). */
interface Beat {
  pid: number;
  /** The znode's mtime: ZooKeeper's clock, not the worker's (which a scenario may have stepped). */
  writtenAt: number;
  stats: { component: string; kind: string; pending: number }[];
}

/** The topology's worker heartbeats, straight from ZooKeeper (cheaper than a `gale status` process per poll). */
async function heartbeats(cluster: TestCluster): Promise<Beat[]> {
  const zk = await cluster.zkClient();
  const dir = `${cluster.root}/workers/${TOPOLOGY}`;
  const out: Beat[] = [];
  for (const child of await zk.getChildren(dir)) {
    try {
      const { data, stat } = await zk.getData(`${dir}/${child}`);
      out.push({ ...(JSON.parse(data.toString('utf8')) as Omit<Beat, 'writtenAt'>), writtenAt: stat.mtimeMs });
    } catch {
      // went away meanwhile: the next poll sees the current set
    }
  }
  return out;
}

/**
 * U5 before kill: waits until every spout and acker reports 0 pending trees in heartbeats sent
 * after `since`, and the heartbeats are exactly the live workers (no stray ephemeral of a dead
 * process). Returns how long that took after `since`.
 */
export async function checkQuiesced(cluster: TestCluster, since: number, timeoutMs = 45_000): Promise<number> {
  let last = '';
  await until('no pending trees (spouts and ackers)', async () => {
    const beats = await heartbeats(cluster);
    const fresh = beats.length > 0 && beats.every((b) => b.writtenAt > since);
    const pending = beats.flatMap((b) => b.stats.filter((c) => c.kind === 'spout' || c.kind === 'acker').map((c) => `${b.pid}:${c.component}=${c.pending}`));
    const dead = beats.filter((b) => !alive(b.pid)).map((b) => b.pid);
    last = `fresh=${fresh}; pending ${pending.join(' ')}; heartbeats of dead pids: ${dead.join(',') || 'none'}`;
    return fresh && dead.length === 0 && beats.every((b) => b.stats.every((c) => (c.kind !== 'spout' && c.kind !== 'acker') || c.pending === 0)) ? true : undefined;
  }, timeoutMs, 100).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${last}`);
  });
  return Date.now() - since;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Paths under the cluster root that name the topology (recursively), for the stray check. */
async function topologyZnodes(cluster: TestCluster): Promise<string[]> {
  const zk = await cluster.zkClient();
  const found: string[] = [];
  const walk = async (p: string, depth: number): Promise<void> => {
    let children: string[];
    try {
      children = await zk.getChildren(p);
    } catch {
      return; // removed meanwhile
    }
    for (const c of children) {
      const child = `${p}/${c}`;
      if (c === TOPOLOGY) found.push(child);
      if (depth < 2 && c !== 'code') await walk(child, depth + 1);
    }
  };
  await walk(cluster.root, 0);
  return found;
}

/**
 * U5 after kill: `gale kill` succeeds, no znode names the topology, no worker process is left;
 * and U6 again (stopping the workers on purpose crashed none).
 */
export async function checkKilledClean(cluster: TestCluster, faulted: Faulted = {}): Promise<void> {
  const r = await cluster.gale(['kill', TOPOLOGY, '--wait', '0']);
  expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
  let left: string[] = [];
  await until('no znode of the topology left', async () => {
    left = await topologyZnodes(cluster);
    return left.length === 0 ? true : undefined;
  }, 20_000, 250).catch(() => {});
  expect(left).toEqual([]);
  const sups = cluster.supervisors.filter((s) => s.running).map((s) => s.pid);
  let workers: number[] = [];
  await until('no worker process left', async () => {
    workers = childrenOf(sups);
    return workers.length === 0 ? true : undefined;
  }, 20_000, 250).catch(() => {});
  expect(workers).toEqual([]);
  checkNoUnexpectedCrash(cluster, faulted);
}

/** U5 (quiesced) and U6 right after the last ack; the topology stays deployed for the test's own checks. */
export async function checkInvariants(cluster: TestCluster, since: number, faulted: Faulted = {}): Promise<InvariantReport> {
  const quiesceMs = await checkQuiesced(cluster, since);
  const expectedCrashes = checkNoUnexpectedCrash(cluster, faulted);
  return { quiesceMs, expectedCrashes };
}
