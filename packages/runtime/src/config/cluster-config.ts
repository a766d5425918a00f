import { ConfigError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';

/**
 * The timing of a gale cluster, in one table: every daemon and CLI command reads its periods,
 * timeouts and backoffs here (docs/cluster.md mirrors this table). Values that depend on a
 * topology (how long a stopping worker may drain) are derived from its own config plus a grace
 * from this table, never restated.
 */
export interface ClusterConfig {
  /** The leader reconciles assignments at least this often, even without watch events. */
  readonly leaderPeriodMs: number;
  /** The leader coalesces a burst of watch events for this long before reconciling. */
  readonly leaderDebounceMs: number;
  /** A supervisor re-reads its assignments and checks its workers' heartbeats this often. */
  readonly supervisorPeriodMs: number;
  /** Default worker heartbeat period (`gale supervisor --heartbeat`). */
  readonly heartbeatMs: number;
  /**
   * Default for `--worker-timeout`: a running worker whose heartbeat znode is missing this long is
   * killed as hung. `null`: the ZooKeeper session timeout plus {@link workerTimeoutGraceMs}.
   */
  readonly workerTimeoutMs: number | null;
  /** Added to the session timeout when `workerTimeoutMs` is null (a heartbeat vanishes with its session). */
  readonly workerTimeoutGraceMs: number;
  /** Default ZooKeeper session timeout (`--session-timeout`): how soon a dead supervisor or worker is noticed. */
  readonly zkSessionTimeoutMs: number;
  /** Default ZooKeeper connect timeout (`--connect-timeout`). */
  readonly zkConnectTimeoutMs: number;
  /** First delay before relaunching a crashed worker (doubles per crash, with jitter, see retry.ts). */
  readonly restartBackoffInitialMs: number;
  /** Longest delay between relaunches; a worker that ran this long starts the backoff over. */
  readonly restartBackoffMaxMs: number;
  /**
   * A stopping worker drains for its topology's `drainTimeoutMs`; the supervisor SIGKILLs it this
   * much later (closing sockets and ZooKeeper after the drain). See {@link killAfterMs}.
   */
  readonly drainGraceMs: number;
  /**
   * A stopping supervisor (or worker) gives its ZooKeeper cleanup (leave the election, unregister,
   * remove its heartbeat) at most this long, all calls at once, before closing the session: with
   * ZooKeeper unreachable each call would otherwise wait out its own timeout. What it leaves
   * behind are ephemerals that expire with the session.
   */
  readonly shutdownZkDeadlineMs: number;
  /** `gale deploy` without `--wait`: how long to wait for every worker to run (whole seconds). */
  readonly deployWaitMs: number;
  /** `gale kill` without `--wait`: at most this long between deactivating and killing. */
  readonly killMaxDefaultWaitMs: number;
  /** `gale kill`: how long the leader gets to stop the workers and remove a killed topology. */
  readonly killRemovalTimeoutMs: number;
  /** Admin commands poll ZooKeeper this often while waiting (deploy, rebalance, kill). */
  readonly adminPollMs: number;
  /** A worker records a component's errors in ZooKeeper at most this often (an error storm must not load ZooKeeper). */
  readonly errorWriteIntervalMs: number;
  /**
   * The leader moves workers to a supervisor (to even out the spread after it joined) only once
   * that supervisor has been registered this long without a break, as the leader saw it: a
   * flapping supervisor never receives work moved from others (new work still goes anywhere).
   */
  readonly spreadCoolDownMs: number;
  /**
   * At most this many workers move per `leaderPeriodMs` to even out the spread (a count, not ms);
   * 0 turns spreading off. Each move drains the worker and restarts it on the other supervisor.
   */
  readonly spreadMaxMovesPerPeriod: number;
}

interface KeySpec {
  readonly nullable?: boolean;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
}

/** Longest delay a Node timer honours (2^31-1 ms); larger ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const HOUR_MS = 3_600_000;

/** The one table of cluster keys: bounds and docs (docs/cluster.md mirrors it). Every key is an integer, in ms unless its name ends otherwise. */
export const CLUSTER_CONFIG_KEYS: { readonly [K in keyof ClusterConfig]: KeySpec } = Object.freeze({
  leaderPeriodMs: { min: 100, max: HOUR_MS, doc: 'leader reconcile period (safety net beside watches)' },
  leaderDebounceMs: { min: 0, max: 10_000, doc: 'leader coalesces watch events this long' },
  supervisorPeriodMs: { min: 50, max: HOUR_MS, doc: 'supervisor assignment + worker heartbeat check period' },
  heartbeatMs: { min: 50, max: 600_000, doc: 'default worker heartbeat period (--heartbeat)' },
  workerTimeoutMs: { nullable: true, min: 100, max: HOUR_MS, doc: 'default --worker-timeout; null = session timeout + workerTimeoutGraceMs' },
  workerTimeoutGraceMs: { min: 0, max: HOUR_MS, doc: 'added to the session timeout for the default worker timeout' },
  zkSessionTimeoutMs: { min: 1000, max: 600_000, doc: 'default ZooKeeper session timeout (--session-timeout)' },
  zkConnectTimeoutMs: { min: 100, max: 600_000, doc: 'default ZooKeeper connect timeout (--connect-timeout)' },
  restartBackoffInitialMs: { min: 1, max: HOUR_MS, doc: 'first delay before relaunching a crashed worker' },
  restartBackoffMaxMs: { min: 1, max: HOUR_MS, doc: 'longest delay between worker relaunches' },
  drainGraceMs: { min: 0, max: MAX_TIMER_MS, doc: "SIGKILL a stopping worker this long after its topology's drainTimeoutMs" },
  shutdownZkDeadlineMs: { min: 100, max: 600_000, doc: 'a stopping supervisor or worker gives its ZooKeeper cleanup at most this long' },
  deployWaitMs: { min: 0, max: 86_400_000, doc: 'gale deploy: default wait for every worker to run (whole seconds)' },
  killMaxDefaultWaitMs: { min: 0, max: 86_400_000, doc: 'gale kill: longest default wait between deactivate and kill' },
  killRemovalTimeoutMs: { min: 1000, max: 86_400_000, doc: 'gale kill: how long the leader gets to remove a killed topology' },
  adminPollMs: { min: 10, max: 60_000, doc: 'admin commands poll ZooKeeper this often while waiting' },
  errorWriteIntervalMs: { min: 0, max: HOUR_MS, doc: "a worker writes a component's errors to ZooKeeper at most this often" },
  spreadCoolDownMs: { min: 0, max: 86_400_000, doc: 'a supervisor must be registered this long before workers move to it' },
  spreadMaxMovesPerPeriod: { min: 0, max: 1000, doc: 'workers moved per leaderPeriodMs to even out the spread (count); 0 = off' },
});

export const CLUSTER_CONFIG_DEFAULTS: ClusterConfig = Object.freeze({
  leaderPeriodMs: 3000,
  leaderDebounceMs: 50,
  supervisorPeriodMs: 1000,
  heartbeatMs: 1000,
  workerTimeoutMs: null,
  workerTimeoutGraceMs: 2000,
  zkSessionTimeoutMs: 6000,
  zkConnectTimeoutMs: 5000,
  restartBackoffInitialMs: 500,
  restartBackoffMaxMs: 30_000,
  drainGraceMs: 5000,
  shutdownZkDeadlineMs: 2000,
  deployWaitMs: 60_000,
  killMaxDefaultWaitMs: 30_000,
  killRemovalTimeoutMs: 60_000,
  adminPollMs: 250,
  errorWriteIntervalMs: 1000,
  spreadCoolDownMs: 30_000,
  spreadMaxMovesPerPeriod: 1,
});

function isKey(key: string): key is keyof ClusterConfig {
  return Object.prototype.hasOwnProperty.call(CLUSTER_CONFIG_KEYS, key);
}

/**
 * Validates a partial cluster config and merges it over `base` (the one parse point; inside, the
 * result is trusted). `where` names the origin for messages.
 */
export function parseClusterConfig(raw: unknown, base: ClusterConfig = CLUSTER_CONFIG_DEFAULTS, where = ''): ClusterConfig {
  if (raw === undefined) return base;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('GALE_ERR_CONFIG_TYPE', `cluster config${where} must be an object of keys to values, got ${JSON.stringify(raw)}`);
  }
  const out: Record<string, unknown> = { ...base };
  const known = Object.keys(CLUSTER_CONFIG_KEYS);
  for (const [key, value] of Object.entries(raw)) {
    if (!isKey(key)) {
      throw new ConfigError('GALE_ERR_CONFIG_UNKNOWN_KEY', `unknown cluster config key "${key}"${where}${didYouMean(key, known)}; known keys: ${known.join(', ')}`);
    }
    if (value === undefined) continue;
    const spec = CLUSTER_CONFIG_KEYS[key];
    if (value === null && spec.nullable) {
      out[key] = null;
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new ConfigError('GALE_ERR_CONFIG_VALUE',
        `cluster config key "${key}"${where} must be an integer from ${spec.min} to ${spec.max}${spec.nullable ? ' or null' : ''}, got ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  if ((out.restartBackoffMaxMs as number) < (out.restartBackoffInitialMs as number)) {
    throw new ConfigError('GALE_ERR_CONFIG_VALUE', `cluster config${where}: restartBackoffMaxMs must be >= restartBackoffInitialMs`);
  }
  return Object.freeze(out) as unknown as ClusterConfig;
}

/** The worker timeout for a session timeout: `workerTimeoutMs`, or the session timeout plus the grace. */
export function defaultWorkerTimeoutMs(sessionTimeoutMs: number, cfg: ClusterConfig = CLUSTER_CONFIG_DEFAULTS): number {
  return cfg.workerTimeoutMs ?? sessionTimeoutMs + cfg.workerTimeoutGraceMs;
}

/** How long after SIGTERM a supervisor SIGKILLs a worker of a topology that drains for `drainTimeoutMs`. */
export function killAfterMs(drainTimeoutMs: number, cfg: ClusterConfig = CLUSTER_CONFIG_DEFAULTS): number {
  return Math.min(MAX_TIMER_MS, drainTimeoutMs + cfg.drainGraceMs);
}

/**
 * The longest a supervisor takes to stop when its workers drain for `drainTimeoutMs`: they are
 * stopped together, each SIGKILLed {@link killAfterMs} after its SIGTERM, then the ZooKeeper
 * cleanup gets {@link ClusterConfig.shutdownZkDeadlineMs} and the session close as long again.
 * A service manager's stop timeout must exceed it (deploy/systemd/gale-supervisor.service).
 */
export function supervisorStopMs(drainTimeoutMs: number, cfg: ClusterConfig = CLUSTER_CONFIG_DEFAULTS): number {
  return killAfterMs(drainTimeoutMs, cfg) + 2 * cfg.shutdownZkDeadlineMs;
}

/**
 * After this long without a new assignment version, a rebalance may take the current assignment
 * as final: the leader has reconciled at least once since (its period, its debounce, and one
 * more period for a reconcile that was already running on the old record).
 */
export function assignmentSettleMs(cfg: ClusterConfig = CLUSTER_CONFIG_DEFAULTS): number {
  return 2 * cfg.leaderPeriodMs + cfg.leaderDebounceMs;
}
