import type { Argv } from 'yargs';
import { CLUSTER_CONFIG_DEFAULTS, defaultWorkerTimeoutMs } from '../config/cluster-config.js';
import type { LogLevel } from '../log.js';
import { CliUsageError, helpHint } from './usage-error.js';

/**
 * The cluster half of the `gale` command table: `supervisor`, `deploy`, `list`, `status`,
 * `activate`, `deactivate`, `rebalance`, `kill`. args.ts registers these commands and calls
 * {@link checkClusterArgs}; every value is checked here, before anything connects to ZooKeeper.
 */

export const DEFAULT_ZK = '127.0.0.1:2181';
export const DEFAULT_ZK_ROOT_FLAG = '/gale';
/** Most ports one supervisor may offer (a typo such as 6700-67000 should not make 60k slots). */
const MAX_PORTS = 1024;

/** Flags every cluster command takes. */
export interface ClusterFlags {
  /** `--zk` as given; undefined means `$GALE_ZK`, else {@link DEFAULT_ZK}. */
  readonly zk: string | undefined;
  readonly zkRoot: string;
  readonly secretFile: string | undefined;
  readonly connectTimeoutMs: number;
  readonly logLevel: LogLevel | undefined;
}

export interface SupervisorArgs extends ClusterFlags {
  readonly command: 'supervisor';
  readonly host: string;
  /** The slot ports, already cut to `--slots`. */
  readonly ports: readonly number[];
  readonly id: string | undefined;
  readonly dir: string | undefined;
  readonly sessionTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly workerTimeoutMs: number;
}

export interface DeployArgs extends ClusterFlags {
  readonly command: 'deploy';
  readonly file: string;
  /** Undefined: the name the topology was built with. */
  readonly name: string | undefined;
  readonly workers: number | undefined;
  readonly set: readonly string[];
  /** Seconds to wait for every worker to run; 0 = do not wait. */
  readonly waitS: number;
  readonly json: boolean;
}

export interface ListArgs extends ClusterFlags {
  readonly command: 'list';
  readonly json: boolean;
}

export interface StatusArgs extends ClusterFlags {
  readonly command: 'status';
  readonly name: string;
  readonly json: boolean;
}

export interface SetStatusArgs extends ClusterFlags {
  readonly command: 'activate' | 'deactivate';
  readonly name: string;
}

export interface RebalanceArgs extends ClusterFlags {
  readonly command: 'rebalance';
  readonly name: string;
  readonly workers: number | undefined;
  /** `--parallelism comp=n`, in order (the last of a repeated component wins). */
  readonly parallelism: Readonly<Record<string, number>>;
  /** Seconds to wait for the new assignment's workers; 0 = do not wait. */
  readonly waitS: number;
}

export interface KillArgs extends ClusterFlags {
  readonly command: 'kill';
  readonly name: string;
  /** Seconds between deactivating and killing; undefined = messageTimeoutMs of the topology, at most 30. */
  readonly waitS: number | undefined;
}

export type ClusterArgs = SupervisorArgs | DeployArgs | ListArgs | StatusArgs | SetStatusArgs | RebalanceArgs | KillArgs;

export const CLUSTER_COMMANDS = ['supervisor', 'deploy', 'list', 'status', 'activate', 'deactivate', 'rebalance', 'kill'] as const;
export type ClusterCommand = (typeof CLUSTER_COMMANDS)[number];

const COMMON = ['zk', 'zk-root', 'secret-file', 'connect-timeout', 'log-level', 'help', 'version'];

/** Options per cluster command (without dashes), for did-you-mean on unknown flags. */
export const CLUSTER_OPTIONS: Readonly<Record<ClusterCommand, readonly string[]>> = {
  supervisor: [...COMMON, 'slots', 'host', 'ports', 'id', 'dir', 'session-timeout', 'heartbeat', 'worker-timeout'],
  deploy: [...COMMON, 'name', 'workers', 'set', 'wait', 'json'],
  list: [...COMMON, 'json'],
  status: [...COMMON, 'json'],
  activate: COMMON,
  deactivate: COMMON,
  rebalance: [...COMMON, 'workers', 'parallelism', 'wait'],
  kill: [...COMMON, 'wait'],
};

/** Cluster options that take a value as the next word. */
export const CLUSTER_VALUE_OPTIONS: readonly string[] = [
  '--zk', '--zk-root', '--secret-file', '--connect-timeout', '--slots', '--host', '--ports', '--id', '--dir',
  '--session-timeout', '--heartbeat', '--worker-timeout', '--name', '--workers', '--wait', '--parallelism',
];

/** What `gale <command>` without its positional argument says. */
export const MISSING_POSITIONAL: Readonly<Partial<Record<ClusterCommand, string>>> = {
  deploy: 'missing topology file: gale deploy <file>',
  status: 'missing topology name: gale status <name>',
  activate: 'missing topology name: gale activate <name>',
  deactivate: 'missing topology name: gale deactivate <name>',
  rebalance: 'missing topology name: gale rebalance <name>',
  kill: 'missing topology name: gale kill <name>',
};

const EXIT_CODES = 'Exit codes: 0 ok, 1 failure (ZooKeeper unreachable, unknown topology, timeout),\n2 usage error. Reference: docs/cli.md';

function common(y: Argv): Argv {
  return y
    .option('zk', { type: 'string', requiresArg: true, describe: 'ZooKeeper connect string host:port[,host:port...]', defaultDescription: `$GALE_ZK or ${DEFAULT_ZK}` })
    .option('zk-root', { type: 'string', requiresArg: true, describe: 'Cluster root znode', defaultDescription: DEFAULT_ZK_ROOT_FLAG })
    .option('secret-file', {
      type: 'string', requiresArg: true,
      describe: 'File with the cluster secret (ZooKeeper ACL, worker auth)', defaultDescription: '$GALE_CLUSTER_SECRET',
    })
    .option('connect-timeout', { requiresArg: true, describe: 'Milliseconds to wait for ZooKeeper', defaultDescription: String(CLUSTER_CONFIG_DEFAULTS.zkConnectTimeoutMs) });
}

/** Registers the cluster commands on the `gale` parser. */
export function addClusterCommands(parser: Argv): Argv {
  return parser
    .command('supervisor', 'Run a supervisor daemon: worker slots on this machine', (y) =>
      common(y)
        .usage('gale supervisor --host <h> --ports <a-b> [options]\n\nRun a supervisor daemon (worker slots).')
        .epilog([
          'Registers in ZooKeeper, joins the leader election (the leader schedules every topology)',
          'and runs the workers assigned to its slots as child processes. SIGTERM or Ctrl-C stops',
          'its workers (draining), then the supervisor.',
          EXIT_CODES,
        ].join('\n'))
        .option('ports', { type: 'string', requiresArg: true, describe: 'Worker ports (slots): a-b, or a list a,b,c' })
        .option('host', { type: 'string', requiresArg: true, describe: 'Host name or address other workers use to reach this machine' })
        .option('slots', { requiresArg: true, describe: 'Worker slots (the first N ports)', defaultDescription: 'all ports' })
        .option('id', { type: 'string', requiresArg: true, describe: 'Supervisor id (unique)', defaultDescription: '<host>-<first port>' })
        .option('dir', { type: 'string', requiresArg: true, describe: 'Work dir (code cache)', defaultDescription: '~/.gale/supervisor-<id>' })
        .option('session-timeout', { requiresArg: true, describe: 'ZooKeeper session timeout (ms): how soon a dead supervisor is noticed', defaultDescription: String(CLUSTER_CONFIG_DEFAULTS.zkSessionTimeoutMs) })
        .option('heartbeat', { requiresArg: true, describe: 'Worker heartbeat period (ms)', defaultDescription: String(CLUSTER_CONFIG_DEFAULTS.heartbeatMs) })
        .option('worker-timeout', { requiresArg: true, describe: 'A worker without a heartbeat for this long (ms) is killed and restarted', defaultDescription: 'session timeout + 2000' })
        .example('gale supervisor --host h1 --ports 6700-6703', 'four worker slots')
        .example('gale supervisor --host h1 --ports 6710,6711', 'two worker slots'))
    .command('deploy <file>', 'Upload a topology to the cluster and start it', (y) =>
      common(y)
        .usage('gale deploy <file> [options]\n\nUpload a topology to the cluster and start it.')
        .epilog([
          'Loads <file> exactly as "gale local" does (mistakes exit 2 before anything is written),',
          'bundles it with esbuild, uploads the bundle to ZooKeeper and records the topology; the',
          'leader supervisor assigns its executors to worker slots. Waits until every worker runs,',
          'then prints where the executors run (stdout). Workers read the files named in --set',
          'values: give absolute paths.',
          EXIT_CODES,
        ].join('\n'))
        .positional('file', { describe: 'Topology file; its default export is a topology or (params) => topology', type: 'string' })
        .option('name', { type: 'string', requiresArg: true, describe: 'Topology name in the cluster', defaultDescription: 'its built name' })
        .option('workers', { requiresArg: true, describe: 'Worker processes', defaultDescription: 'config key "workers"' })
        .option('set', { type: 'string', requiresArg: true, describe: 'key=value (repeatable): a config key or a topology parameter' })
        .option('wait', { requiresArg: true, describe: 'Seconds to wait for every worker to run; 0 = do not wait', defaultDescription: String(CLUSTER_CONFIG_DEFAULTS.deployWaitMs / 1000) })
        .option('json', { type: 'boolean', describe: 'Print the assignment as JSON on stdout' })
        .example('gale deploy wc.ts --workers 2 --set input=/data/in.txt --set output=/tmp/out.tsv', ''))
    .command('list', 'List the topologies in the cluster', (y) =>
      common(y)
        .usage('gale list [options]\n\nList the topologies in the cluster.')
        .epilog(EXIT_CODES)
        .option('json', { type: 'boolean', describe: 'Print a JSON array on stdout' }))
    .command('status <name>', 'Per-component counts, latencies, placement and errors of a topology', (y) =>
      common(y)
        .usage('gale status <name> [options]\n\nCounts, latencies, placement and errors.')
        .epilog([
          'Per component: executors, where they run, emitted/executed/acked/failed counts summed',
          'over the running workers (since each worker started), latency (p50: weighted mean of the',
          'workers\' p50; p99: the largest), and the last errors, including those of workers and',
          'supervisors that could not start the topology (__worker, __supervisor).',
          EXIT_CODES,
        ].join('\n'))
        .positional('name', { type: 'string', describe: 'Topology name' })
        .option('json', { type: 'boolean', describe: 'Print a JSON object on stdout' }))
    .command('activate <name>', 'Let the spouts of a deactivated topology emit again', (y) =>
      common(y).usage('gale activate <name> [options]\n\nLet the spouts emit again.').epilog(EXIT_CODES)
        .positional('name', { type: 'string', describe: 'Topology name' }))
    .command('deactivate <name>', 'Stop asking the spouts of a topology for tuples (in-flight trees complete)', (y) =>
      common(y).usage('gale deactivate <name> [options]\n\nStop the spouts emitting.').epilog(['Tuples already in flight still complete.', EXIT_CODES].join('\n'))
        .positional('name', { type: 'string', describe: 'Topology name' }))
    .command('rebalance <name>', 'Change the worker count or a component\'s executors', (y) =>
      common(y)
        .usage('gale rebalance <name> [--workers <n>] [--parallelism <c>=<n> ...]\n\nChange workers or executors.')
        .epilog([
          'The leader computes a new assignment; workers whose executors change are restarted.',
          'A component can have at most as many executors as it has tasks (numTasks, fixed at deploy).',
          EXIT_CODES,
        ].join('\n'))
        .positional('name', { type: 'string', describe: 'Topology name' })
        .option('workers', { requiresArg: true, describe: 'Worker processes' })
        .option('parallelism', { type: 'string', requiresArg: true, describe: 'component=n (repeatable): executors of a component' })
        .option('wait', { requiresArg: true, describe: 'Seconds to wait for the new assignment\'s workers to run; 0 = do not wait', defaultDescription: '0' })
        .example('gale rebalance wc --workers 4 --parallelism split=4', ''))
    .command('kill <name>', 'Deactivate a topology, wait, then stop and remove it', (y) =>
      common(y)
        .usage('gale kill <name> [--wait <s>] [options]\n\nDeactivate, wait, stop, remove.')
        .epilog([
          'Deactivates the topology, waits --wait seconds so tuples in flight can complete, marks it',
          'killed (its workers stop), then waits until the leader has removed it.',
          EXIT_CODES,
        ].join('\n'))
        .positional('name', { type: 'string', describe: 'Topology name' })
        .option('wait', { requiresArg: true, describe: 'Seconds between deactivate and kill (0 allowed)', defaultDescription: 'messageTimeoutMs, at most 30' }));
}

/** Checks the parsed flags of a cluster command. */
export function checkClusterArgs(command: ClusterCommand, a: Record<string, unknown>, logLevel: LogLevel | undefined): ClusterArgs {
  const hint = helpHint(command);
  const flags: ClusterFlags = {
    zk: optString('--zk', a.zk, hint),
    zkRoot: optString('--zk-root', a['zk-root'], hint) ?? DEFAULT_ZK_ROOT_FLAG,
    secretFile: optString('--secret-file', a['secret-file'], hint),
    connectTimeoutMs: int('--connect-timeout', last(a['connect-timeout']), 100, 600_000, hint) ?? CLUSTER_CONFIG_DEFAULTS.zkConnectTimeoutMs,
    logLevel,
  };
  if (flags.zk !== undefined) checkConnectString(flags.zk, '--zk');
  checkRootFlag(flags.zkRoot, hint);
  const json = last(a.json) === true;
  switch (command) {
    case 'supervisor': return checkSupervisor(a, flags, hint);
    case 'deploy': {
      const file = a.file;
      if (typeof file !== 'string' || file.length === 0) throw new CliUsageError('GALE_ERR_USAGE', MISSING_POSITIONAL.deploy!, hint);
      const name = optString('--name', a.name, hint);
      if (name !== undefined) checkTopologyName(name, '--name', hint);
      return {
        ...flags, command, file, name, json,
        workers: int('--workers', last(a.workers), 1, 10_000, hint),
        set: a.set === undefined ? [] : [a.set].flat().map(String),
        waitS: seconds('--wait', last(a.wait), hint) ?? CLUSTER_CONFIG_DEFAULTS.deployWaitMs / 1000,
      };
    }
    case 'list': return { ...flags, command, json };
    case 'status': return { ...flags, command, name: nameArg(command, a, hint), json };
    case 'activate':
    case 'deactivate': return { ...flags, command, name: nameArg(command, a, hint) };
    case 'rebalance': {
      const name = nameArg(command, a, hint);
      const workers = int('--workers', last(a.workers), 1, 10_000, hint);
      const parallelism = parseParallelism(a.parallelism === undefined ? [] : [a.parallelism].flat().map(String), hint);
      if (workers === undefined && Object.keys(parallelism).length === 0) {
        throw new CliUsageError('GALE_ERR_USAGE', 'nothing to change: give --workers <n> and/or --parallelism <component>=<n>', hint);
      }
      return { ...flags, command, name, workers, parallelism, waitS: seconds('--wait', last(a.wait), hint) ?? 0 };
    }
    case 'kill': return { ...flags, command, name: nameArg(command, a, hint), waitS: seconds('--wait', last(a.wait), hint) };
  }
}

function checkSupervisor(a: Record<string, unknown>, flags: ClusterFlags, hint: string): SupervisorArgs {
  const portsText = optString('--ports', a.ports, hint);
  if (portsText === undefined) throw new CliUsageError('GALE_ERR_USAGE', 'missing --ports: the worker ports of this supervisor, e.g. --ports 6700-6703', hint);
  const host = optString('--host', a.host, hint);
  if (host === undefined || host.trim() === '' || /\s/.test(host)) {
    throw new CliUsageError('GALE_ERR_USAGE', 'missing --host: the host name or address other workers reach this machine at, e.g. --host 10.0.0.7', hint);
  }
  let ports = parsePorts(portsText, hint);
  const slots = int('--slots', last(a.slots), 1, MAX_PORTS, hint);
  if (slots !== undefined) {
    if (slots > ports.length) {
      throw new CliUsageError('GALE_ERR_USAGE', `--slots ${slots} needs ${slots} ports, but --ports ${portsText} has ${ports.length}`, hint);
    }
    ports = ports.slice(0, slots);
  }
  const id = optString('--id', a.id, hint);
  if (id !== undefined && !/^[A-Za-z0-9._-]{1,200}$/.test(id)) {
    throw new CliUsageError('GALE_ERR_USAGE', `--id "${id}" must be 1-200 characters from [A-Za-z0-9._-]`, hint);
  }
  const sessionTimeoutMs = int('--session-timeout', last(a['session-timeout']), 1000, 600_000, hint) ?? CLUSTER_CONFIG_DEFAULTS.zkSessionTimeoutMs;
  return {
    ...flags,
    command: 'supervisor',
    host,
    ports,
    id,
    dir: optString('--dir', a.dir, hint),
    sessionTimeoutMs,
    heartbeatMs: int('--heartbeat', last(a.heartbeat), 50, 600_000, hint) ?? CLUSTER_CONFIG_DEFAULTS.heartbeatMs,
    workerTimeoutMs: int('--worker-timeout', last(a['worker-timeout']), 100, 3_600_000, hint) ?? defaultWorkerTimeoutMs(sessionTimeoutMs),
  };
}

/** `6700-6703`, `6700`, or a comma list of those: distinct ports in the order given. */
export function parsePorts(text: string, hint: string): number[] {
  const out: number[] = [];
  const bad = (why: string): never => {
    throw new CliUsageError('GALE_ERR_USAGE', `--ports ${JSON.stringify(text)}: ${why}; want a-b (e.g. 6700-6703) or a list a,b,c`, hint);
  };
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (m === null) bad(`"${part}" is not a port or a range`);
    const from = Number(m![1]);
    const to = m![2] === undefined ? from : Number(m![2]);
    if (from < 1 || to > 65535) bad('ports must be 1-65535');
    if (to < from) bad(`range ${from}-${to} is backwards`);
    for (let p = from; p <= to; p++) {
      if (out.includes(p)) bad(`port ${p} is listed twice`);
      out.push(p);
      if (out.length > MAX_PORTS) bad(`more than ${MAX_PORTS} ports`);
    }
  }
  return out;
}

/** `component=n` entries (n >= 1); range against numTasks is checked against the deployed topology. */
function parseParallelism(entries: readonly string[], hint: string): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const e of entries) {
    const m = /^([^=]+)=(.*)$/.exec(e);
    const n = m === null ? NaN : Number(m[2]!.trim());
    if (m === null || m[1]!.trim() === '' || !Number.isInteger(n) || n < 1) {
      throw new CliUsageError('GALE_ERR_USAGE', `--parallelism ${JSON.stringify(e)} is not <component>=<executors> with executors >= 1`, hint);
    }
    out[m[1]!.trim()] = n;
  }
  return { ...out };
}

/** host:port[,host:port...] */
export function checkConnectString(zk: string, origin: string): void {
  const ok = zk.split(',').every((hp) => {
    const m = /^([^\s:,]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(hp);
    return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
  });
  if (!ok) throw new CliUsageError('GALE_ERR_USAGE', `${origin} ${JSON.stringify(zk)} is not a ZooKeeper connect string host:port[,host:port...]`);
}

function checkRootFlag(root: string, hint: string): void {
  const segments = root.replace(/\/+$/, '').split('/').slice(1);
  if (!root.startsWith('/') || segments.length === 0 || segments.some((s) => !/^[A-Za-z0-9._-]{1,200}$/.test(s) || s === '.' || s === '..')) {
    throw new CliUsageError('GALE_ERR_USAGE', `--zk-root ${JSON.stringify(root)} must be an absolute znode path such as /gale`, hint);
  }
}

/** A topology name usable as a znode name. */
export function checkTopologyName(name: string, origin: string, hint: string): void {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(name) || name === '.' || name === '..') {
    throw new CliUsageError('GALE_ERR_USAGE', `${origin} "${name}" is not a valid topology name: use 1-200 characters from [A-Za-z0-9._-]`, hint);
  }
}

function nameArg(command: ClusterCommand, a: Record<string, unknown>, hint: string): string {
  const name = a.name === undefined ? undefined : String(a.name);
  if (name === undefined || name === '') throw new CliUsageError('GALE_ERR_USAGE', MISSING_POSITIONAL[command]!, hint);
  checkTopologyName(name, 'topology name', hint);
  return name;
}

function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}

function optString(flag: string, v: unknown, hint: string): string | undefined {
  const x = last(v);
  if (x === undefined) return undefined;
  const s = String(x);
  if (s === '') throw new CliUsageError('GALE_ERR_USAGE', `${flag} needs a value`, hint);
  return s;
}

function toNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.replace(/_/g, '')) : NaN;
}

function int(flag: string, v: unknown, min: number, max: number, hint: string): number | undefined {
  if (v === undefined) return undefined;
  const n = toNumber(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliUsageError('GALE_ERR_USAGE', `${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(String(v))}`, hint);
  }
  return n;
}

function seconds(flag: string, v: unknown, hint: string): number | undefined {
  if (v === undefined) return undefined;
  const n = toNumber(v);
  if (!Number.isFinite(n) || n < 0 || n > 86_400) {
    throw new CliUsageError('GALE_ERR_USAGE', `${flag} must be 0 to 86400 seconds, got ${JSON.stringify(String(v))}`, hint);
  }
  return n;
}
