import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Assignment, TopologyRecord, TopologyStatus, WorkerHeartbeat } from '../cluster/model.js';
import {
  ErrorsStore, ZkClient, ZkError, ensureLayout, parseWorkerName, zkPaths, type StoredError, type ZkPaths,
} from '../coord/index.js';
import { GaleError } from '../errors.js';
import { MIN_SECRET_BYTES } from '../transport/index.js';
import type { Logger } from '../log.js';
import { DEFAULT_ZK, checkConnectString, type ClusterFlags } from './cluster-args.js';
import type { CliContext } from './context.js';
import { CliUsageError } from './usage-error.js';

/**
 * What the cluster commands share: resolving `--zk`/`--secret-file`, one ZooKeeper session per
 * command, reading and compare-and-set updating the data of docs/zookeeper.md, and polling
 * ZooKeeper with a deadline.
 */

/**
 * A cluster command failed for a reason outside the command line (exit code 1): the topology is
 * unknown or already deployed, workers did not start in time, ... The message says it all, so
 * the CLI prints no stack-trace hint for it.
 */
export class ClusterCommandError extends GaleError {}

/** Where the cluster is and how to authenticate; the secret is never printed. */
export interface ClusterTarget {
  readonly connectString: string;
  readonly root: string;
  readonly secret: string | undefined;
  readonly connectTimeoutMs: number;
}

/** `--zk`, else `$GALE_ZK`, else 127.0.0.1:2181; `--secret-file`, else `$GALE_CLUSTER_SECRET`. */
export function resolveTarget(flags: ClusterFlags, ctx: Pick<CliContext, 'env' | 'cwd'>, command: string): ClusterTarget {
  let connectString = flags.zk;
  if (connectString === undefined) {
    const env = ctx.env.GALE_ZK?.trim();
    connectString = env === undefined || env === '' ? DEFAULT_ZK : env;
    if (env !== undefined && env !== '') checkConnectString(connectString, '$GALE_ZK');
  }
  let secret: string | undefined;
  if (flags.secretFile !== undefined) {
    const file = path.resolve(ctx.cwd, flags.secretFile);
    try {
      secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CliUsageError('GALE_ERR_SECRET_FILE', `cannot read --secret-file ${flags.secretFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, `run "gale ${command} --help" for usage`);
    }
    if (secret.trim() === '') throw new CliUsageError('GALE_ERR_SECRET_FILE', `--secret-file ${flags.secretFile} is empty`);
  } else {
    const env = ctx.env.GALE_CLUSTER_SECRET;
    secret = env === undefined || env === '' ? undefined : env;
  }
  // Workers authenticate each other with it too (HMAC), which needs at least 16 bytes.
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    const origin = flags.secretFile !== undefined ? `--secret-file ${flags.secretFile}` : '$GALE_CLUSTER_SECRET';
    throw new CliUsageError('GALE_ERR_SECRET_TOO_SHORT', `the cluster secret (${origin}) must have at least ${MIN_SECRET_BYTES} bytes, got ${Buffer.byteLength(secret)}`);
  }
  return { connectString, root: flags.zkRoot, secret, connectTimeoutMs: flags.connectTimeoutMs };
}

/** An open session on the cluster's ZooKeeper, for one command. */
export class ClusterClient {
  readonly paths: ZkPaths;
  readonly errors: ErrorsStore;

  private constructor(readonly zk: ZkClient, readonly target: ClusterTarget) {
    this.paths = zkPaths(target.root);
    this.errors = new ErrorsStore(zk, this.paths);
  }

  /**
   * Connects (GALE_ERR_ZK_UNREACHABLE after the connect timeout) and makes sure the cluster
   * layout exists and this client may use it (GALE_ERR_ZK_NO_AUTH with a wrong secret).
   */
  static async connect(target: ClusterTarget, log: Logger): Promise<ClusterClient> {
    const zk = await ZkClient.connect({
      connectString: target.connectString,
      connectTimeoutMs: target.connectTimeoutMs,
      log,
      ...(target.secret !== undefined ? { auth: { scheme: 'digest' as const, secret: target.secret } } : {}),
    });
    const c = new ClusterClient(zk, target);
    try {
      await ensureLayout(zk, c.paths);
    } catch (err) {
      await zk.close();
      throw err;
    }
    return c;
  }

  close(): Promise<void> {
    return this.zk.close();
  }

  /** Names of the deployed topologies, sorted. */
  async topologyNames(): Promise<string[]> {
    return (await this.zk.getChildren(this.paths.topologiesDir())).sort();
  }

  /** The record and its znode version, or undefined. */
  async record(name: string): Promise<{ record: TopologyRecord; version: number } | undefined> {
    try {
      const { data, version } = await this.zk.getData(this.paths.topology(name));
      return { record: JSON.parse(data.toString('utf8')) as TopologyRecord, version };
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return undefined;
      throw err;
    }
  }

  /** The record, or GALE_ERR_UNKNOWN_TOPOLOGY naming the deployed ones. */
  async requireRecord(name: string): Promise<{ record: TopologyRecord; version: number }> {
    const r = await this.record(name);
    if (r === undefined) throw await this.unknownTopology(name);
    return r;
  }

  async unknownTopology(name: string): Promise<ClusterCommandError> {
    const names = await this.topologyNames().catch(() => [] as string[]);
    return new ClusterCommandError('GALE_ERR_UNKNOWN_TOPOLOGY',
      `no topology named "${name}" (${names.length === 0 ? 'none deployed' : `deployed: ${names.join(', ')}`})`);
  }

  /**
   * Compare-and-set on the topology record: reads it, applies `change`, writes it only if nobody
   * wrote in between (znode version), and tries again otherwise. `change` returns undefined to
   * leave the record as it is. Resolves to the record as written (or as found).
   */
  async updateRecord(name: string, change: (r: TopologyRecord) => TopologyRecord | undefined): Promise<{ before: TopologyRecord; after: TopologyRecord }> {
    for (let attempt = 0; ; attempt++) {
      const { record, version } = await this.requireRecord(name);
      const next = change(record);
      if (next === undefined) return { before: record, after: record };
      try {
        await this.zk.setData(this.paths.topology(name), Buffer.from(JSON.stringify(next)), version);
        return { before: record, after: next };
      } catch (err) {
        if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) throw await this.unknownTopology(name);
        if (!isCode(err, 'GALE_ERR_ZK_BAD_VERSION') || attempt >= 50) throw err;
        // Someone else (another CLI, the leader) wrote first: read again and re-apply.
      }
    }
  }

  /** Sets the status (CAS); a killed topology cannot be (de)activated. Returns the status before. */
  async setStatus(name: string, status: TopologyStatus): Promise<TopologyStatus> {
    const { before } = await this.updateRecord(name, (r) => {
      if (r.status === status) return undefined;
      if (r.status === 'killed') {
        throw new ClusterCommandError('GALE_ERR_TOPOLOGY_KILLED', `topology "${name}" is being killed; it cannot be made ${status} again`);
      }
      return { ...r, status };
    });
    return before.status;
  }

  async assignment(name: string): Promise<Assignment | undefined> {
    try {
      return JSON.parse((await this.zk.getData(this.paths.assignment(name))).data.toString('utf8')) as Assignment;
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return undefined;
      throw err;
    }
  }

  /** Every worker heartbeat of a topology (unreadable or vanished ones are skipped). */
  async heartbeats(name: string): Promise<WorkerHeartbeat[]> {
    let children: string[];
    try {
      children = await this.zk.getChildren(this.paths.workersDir(name));
    } catch (err) {
      if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return [];
      throw err;
    }
    const beats = await Promise.all(children.map(async (child) => {
      let slot: { supervisor: string; port: number };
      try {
        slot = parseWorkerName(child);
      } catch {
        return undefined;
      }
      try {
        const { data } = await this.zk.getData(this.paths.worker(name, slot.supervisor, slot.port));
        return JSON.parse(data.toString('utf8')) as WorkerHeartbeat;
      } catch {
        return undefined; // gone meanwhile, or not JSON
      }
    }));
    return beats.filter((b): b is WorkerHeartbeat => b !== undefined);
  }

  /** Ids of the live supervisors. */
  async supervisors(): Promise<string[]> {
    return (await this.zk.getChildren(this.paths.supervisorsDir())).sort();
  }

  /** Errors recorded for a topology, per component (oldest first). */
  topologyErrors(name: string): Promise<Record<string, StoredError[]>> {
    return this.errors.listTopology(name);
  }
}

/** Workers of `a` that run its current version (a `running` heartbeat with that assignment version). */
export function runningWorkers(a: Assignment, beats: readonly WorkerHeartbeat[]): { running: WorkerHeartbeat[]; missing: Assignment['workers'][number][] } {
  const running: WorkerHeartbeat[] = [];
  const missing: Assignment['workers'][number][] = [];
  for (const w of a.workers) {
    const hb = beats.find((b) => b.supervisor === w.supervisor && b.port === w.port && b.state === 'running' && b.assignmentVersion === a.version);
    if (hb === undefined) missing.push(w);
    else running.push(hb);
  }
  return { running, missing };
}

/**
 * Polls `step` every `intervalMs` until it returns a value other than undefined, or until
 * `timeoutMs` has passed (then resolves undefined). Errors from `step` propagate.
 */
export async function pollUntil<T>(step: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T | undefined> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await step();
    if (v !== undefined) return v;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(intervalMs, left));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lines describing the last errors recorded by workers and supervisors (`__worker`, `__supervisor`). */
export function launchErrorLines(errors: Record<string, StoredError[]>, max = 3): string[] {
  const out: string[] = [];
  for (const component of ['__supervisor', '__worker']) {
    for (const e of (errors[component] ?? []).slice(-max)) out.push(`${component}: ${oneLine(e.message)}`);
  }
  return out;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' | ');
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof ZkError && err.code === code;
}
