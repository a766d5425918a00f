import { CLUSTER_CONFIG_DEFAULTS, defaultWorkerTimeoutMs, type ClusterConfig } from '../../config/cluster-config.js';
import { NAME_RULE, isValidName } from '../../coord/names.js';
import type {
  ClusterArgs, DeployArgs, KillArgs, ListArgs, LogsArgs, RebalanceArgs, SetStatusArgs, StatusArgs, SupervisorArgs,
} from '../cluster-args.js';
import { CliUsageError } from '../usage-error.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DEPLOY_WAIT_S, DEFAULT_HEARTBEAT_MS, DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_ZK, DEFAULT_ZK_ROOT_FLAG,
} from './cluster-defaults.js';
import { defineCommand, type CommandDef } from './command.js';
import { CONF_FLAG } from './conf-flag.js';
import { GLOBAL_FLAGS } from './global-flags.js';
import { LOGS_FLAGS, LOGS_TEXT } from './logs-flags.js';
import type { BooleanFlag, FlagTable, ListFlag, NumberFlag, Positional, StringFlag } from './table.js';
import { MAX_PORTS, checkConnectString, checkRootFlag, checkTopologyName, parseClusterSets, parseParallelism, parsePorts } from './validators.js';

/**
 * The cluster commands' flag tables: `supervisor`, `deploy`, `list`, `status`, `activate`,
 * `deactivate`, `rebalance`, `kill`. Every value is checked from here, before anything connects
 * to ZooKeeper.
 */

/** Flags every cluster command takes (besides the global ones). */
const CLUSTER_FLAGS = {
  zk: {
    flag: 'zk', kind: 'string', describe: 'ZooKeeper connect string host:port[,host:port...]',
    env: 'GALE_ZK', default: DEFAULT_ZK,
    parse: (text, site) => { checkConnectString(text, site.origin); return text; },
  },
  zkRoot: {
    flag: 'zk-root', kind: 'string', describe: 'Cluster root znode', default: DEFAULT_ZK_ROOT_FLAG,
    parse: (text, site) => { checkRootFlag(text, site.hint); return text; },
  },
  secretFile: {
    // $GALE_CLUSTER_SECRET holds the secret itself, not a file name: cluster-client.ts reads it.
    flag: 'secret-file', kind: 'string', describe: 'File with the cluster secret (ZooKeeper ACL, worker auth)',
    defaultText: '$GALE_CLUSTER_SECRET',
  },
  connectTimeoutMs: {
    flag: 'connect-timeout', kind: 'number', unit: 'ms', integer: true, min: 100, max: 600_000,
    describe: 'Milliseconds to wait for ZooKeeper', default: DEFAULT_CONNECT_TIMEOUT_MS,
  },
} as const satisfies FlagTable;

const COMMON = { ...GLOBAL_FLAGS, ...CLUSTER_FLAGS };

const EXIT_CODES = 'Exit codes: 0 ok, 1 failure (ZooKeeper unreachable, unknown topology, timeout), 2 usage error. Reference: docs/cli.md';

const MISSING_HOST = 'missing --host: the host name or address other workers reach this machine at, e.g. --host 10.0.0.7';

const workers = (): NumberFlag => ({ flag: 'workers', kind: 'number', unit: 'count', integer: true, min: 1, max: 10_000, describe: 'Worker processes' });
const json = (describe: string): BooleanFlag => ({ flag: 'json', kind: 'boolean', describe });
const waitS = (describe: string): NumberFlag => ({ flag: 'wait', kind: 'number', unit: 's', integer: false, min: 0, max: 86_400, describe });

const topologyName = (command: string): Positional => ({
  name: 'name',
  describe: 'Topology name',
  missing: `missing topology name: gale ${command} <name>`,
  check: (name, hint) => checkTopologyName(name, 'topology name', hint),
});

/** Storm's UI port. */
export const DEFAULT_HTTP_PORT = 8080;

const supervisor = defineCommand({
  name: 'supervisor',
  summary: 'Run a supervisor daemon: worker slots on this machine',
  usage: 'gale supervisor --host <h> --ports <a-b> [options]\n\nRun a supervisor daemon (worker slots).',
  epilog: [
    ['Registers in ZooKeeper, joins the leader election (the leader schedules every topology)', 'and runs the workers assigned to its slots as child processes. SIGTERM or Ctrl-C stops', 'its workers (draining), then the supervisor.'].join(' '),
    EXIT_CODES,
  ].join('\n'),
  examples: [
    ['gale supervisor --host h1 --ports 6700-6703  # four worker slots', ''],
    ['gale supervisor --host h1 --ports 6710,6711  # two worker slots', ''],
  ],
  takes: 'only options',
  flags: {
    ...COMMON,
    ports: {
      flag: 'ports', kind: 'string', describe: 'Worker ports (slots): a-b, or a list a,b,c',
      required: 'missing --ports: the worker ports of this supervisor, e.g. --ports 6700-6703',
      parse: (text, site) => parsePorts(text, site.hint),
    } satisfies StringFlag<number[]>,
    host: {
      flag: 'host', kind: 'string', describe: 'Host name or address other workers use to reach this machine',
      required: MISSING_HOST,
      parse: (text, site) => {
        if (text.trim() === '' || /\s/.test(text)) throw new CliUsageError('GALE_ERR_USAGE', MISSING_HOST, site.hint);
        return text;
      },
    } satisfies StringFlag,
    slots: {
      flag: 'slots', kind: 'number', unit: 'count', integer: true, min: 1, max: MAX_PORTS,
      describe: 'Worker slots (the first N ports)', defaultText: 'all ports',
    } satisfies NumberFlag,
    id: {
      flag: 'id', kind: 'string', describe: 'Supervisor id (unique)', defaultText: '<host>-<first port>',
      parse: (id, site) => {
        if (!isValidName(id)) throw new CliUsageError('GALE_ERR_USAGE', `--id "${id}" must be ${NAME_RULE}`, site.hint);
        return id;
      },
    } satisfies StringFlag,
    dir: { flag: 'dir', kind: 'string', describe: 'Work dir (code cache)', defaultText: '~/.gale/supervisor-<id>' } satisfies StringFlag,
    sessionTimeoutMs: {
      flag: 'session-timeout', kind: 'number', unit: 'ms', integer: true, min: 1000, max: 600_000,
      describe: 'ZooKeeper session timeout (ms): how soon a dead supervisor is noticed', default: DEFAULT_SESSION_TIMEOUT_MS,
    },
    heartbeatMs: {
      flag: 'heartbeat', kind: 'number', unit: 'ms', integer: true, min: 50, max: 600_000,
      describe: 'Worker heartbeat period (ms)', default: DEFAULT_HEARTBEAT_MS,
    },
    logsPort: {
      flag: 'logs-port', kind: 'number', unit: 'count', integer: true, min: 0, max: 65535,
      describe: 'Port of the log endpoint "gale logs" reads worker logs through (cluster secret required); 0 = any free port, advertised in ZooKeeper',
      default: 0,
    },
    httpPort: {
      flag: 'http-port', kind: 'number', unit: 'count', integer: true, min: 0, max: 65_535,
      rangeText: 'a port, 1-65535 (0 = off)',
      describe: 'Port of the HTTP server on --host: Prometheus /metrics and the REST API /api/v1 (docs/rest-api.md); 0 = off',
      default: DEFAULT_HTTP_PORT,
    } satisfies NumberFlag,
    workerTimeoutMs: {
      flag: 'worker-timeout', kind: 'number', unit: 'ms', integer: true, min: 100, max: 3_600_000,
      describe: 'A worker without a heartbeat for this long (ms) is killed and restarted', defaultText: `session timeout + ${CLUSTER_CONFIG_DEFAULTS.workerTimeoutGraceMs}`,
    } satisfies NumberFlag,
    tlsCert: { flag: 'tls-cert', kind: 'string', describe: 'PEM certificate of this host: workers talk wss (TLS) to each other' } satisfies StringFlag,
    tlsKey: { flag: 'tls-key', kind: 'string', describe: 'PEM private key of --tls-cert' } satisfies StringFlag,
    tlsCa: { flag: 'tls-ca', kind: 'string', describe: 'PEM CA that signs the cluster certificates', defaultText: "the system's CAs" } satisfies StringFlag,
    tlsMutual: { flag: 'tls-mutual', kind: 'boolean', describe: 'Workers also demand a client certificate signed by --tls-ca' } satisfies BooleanFlag,
    cluster: {
      flag: 'cluster-set', kind: 'list',
      describe: 'key=value (repeatable): a cluster config key (docs/cluster.md#cluster-config), e.g. spreadCoolDownMs=60000',
      parse: (entries, site) => parseClusterSets(entries, site.hint),
    } satisfies ListFlag<ClusterConfig | undefined>,
  },
  build: ({ slots, ports, workerTimeoutMs, tlsCert, tlsKey, tlsCa, tlsMutual, logsPort, ...v }, { given, hint }): SupervisorArgs => {
    if (slots !== undefined && slots > ports.length) {
      throw new CliUsageError('GALE_ERR_USAGE', `--slots ${slots} needs ${slots} ports, but --ports ${given.ports} has ${ports.length}`, hint);
    }
    if ((tlsCert === undefined) !== (tlsKey === undefined)) {
      throw new CliUsageError('GALE_ERR_USAGE', `TLS needs both --tls-cert and --tls-key (only ${tlsCert === undefined ? '--tls-key' : '--tls-cert'} given)`, hint);
    }
    if (tlsCert === undefined && (tlsCa !== undefined || tlsMutual)) {
      throw new CliUsageError('GALE_ERR_USAGE', `${tlsCa !== undefined ? '--tls-ca' : '--tls-mutual'} needs --tls-cert and --tls-key`, hint);
    }
    if (tlsMutual && tlsCa === undefined) {
      throw new CliUsageError('GALE_ERR_USAGE', '--tls-mutual needs --tls-ca: the CA that signs the other workers\' client certificates', hint);
    }
    return {
      ...v,
      tls: tlsCert === undefined || tlsKey === undefined ? undefined : {
        certFile: tlsCert, keyFile: tlsKey, ...(tlsCa !== undefined ? { caFile: tlsCa } : {}), mutual: tlsMutual,
      },
      command: 'supervisor',
      ports: slots === undefined ? ports : ports.slice(0, slots),
      workerTimeoutMs: workerTimeoutMs ?? defaultWorkerTimeoutMs(v.sessionTimeoutMs),
      ...(logsPort !== 0 ? { logsPort } : {}),
    };
  },
});

const deploy = defineCommand({
  name: 'deploy',
  summary: 'Upload a topology to the cluster and start it',
  usage: 'gale deploy <file> [options]\n\nUpload a topology to the cluster and start it.',
  epilog: [
    ['Loads <file> exactly as "gale local" does (mistakes exit 2 before anything is written),', 'bundles it with esbuild, uploads the bundle to ZooKeeper and records the topology; the', 'leader supervisor assigns its executors to worker slots. Waits until every worker runs,', 'then prints where the executors run (stdout). Workers read the files named in --set', 'values: give absolute paths.'].join(' '),
    EXIT_CODES,
  ].join('\n'),
  examples: [['gale deploy wc.ts --workers 2', 'on two workers (--set file paths: absolute)']],
  positional: {
    name: 'file',
    describe: 'Topology file: .ts/.js whose default export is a topology or (params) => topology, or .yaml',
    missing: 'missing topology file: gale deploy <file>',
  },
  takes: 'one topology file',
  flags: {
    ...COMMON,
    name: {
      flag: 'name', kind: 'string', describe: 'Topology name in the cluster', defaultText: 'its built name',
      parse: (name, site) => { checkTopologyName(name, site.origin, site.hint); return name; },
    } satisfies StringFlag,
    workers: { ...workers(), defaultText: 'config key "workers"' },
    set: { flag: 'set', kind: 'list', describe: 'key=value (repeatable): a config key or a topology parameter' } satisfies ListFlag,
    conf: CONF_FLAG,
    waitS: { ...waitS('Seconds to wait for every worker to run; 0 = do not wait'), default: DEFAULT_DEPLOY_WAIT_S },
    json: json('Print the assignment as JSON on stdout'),
    typecheck: {
      flag: 'typecheck', kind: 'boolean', describe: 'Type-check the file with the TypeScript compiler first (on unless --no-typecheck; errors exit 2)',
    } satisfies BooleanFlag,
  },
  // Type checking is on unless asked off (`--no-typecheck`); a boolean flag that was not given reads as false.
  build: ({ typecheck, ...v }, { positional, given }): DeployArgs => ({
    ...v, command: 'deploy', file: positional, ...(given.typecheck !== undefined && !typecheck ? { typecheck: false } : {}),
  }),
});

const list = defineCommand({
  name: 'list',
  summary: 'List the topologies in the cluster',
  usage: 'gale list [options]\n\nList the topologies in the cluster.',
  epilog: EXIT_CODES,
  takes: 'no arguments',
  flags: { ...COMMON, json: json('Print a JSON array on stdout') },
  build: (v): ListArgs => ({ ...v, command: 'list' }),
});

const status = defineCommand({
  name: 'status',
  summary: 'Per-component counts, latencies, placement and errors of a topology',
  usage: 'gale status <name> [options]\n\nCounts, latencies, placement and errors.',
  epilog: [
    ['Per component: executors, where they run, emitted/executed/acked/failed counts summed', 'over the running workers (since each worker started), latency (p50: weighted mean of the', 'workers\' p50; p99: the largest), and the last errors, including those of workers and', 'supervisors that could not start the topology (__worker, __supervisor).'].join(' '),
    EXIT_CODES,
  ].join('\n'),
  positional: topologyName('status'),
  takes: 'one topology name',
  flags: { ...COMMON, json: json('Print a JSON object on stdout') },
  build: (v, { positional }): StatusArgs => ({ ...v, command: 'status', name: positional }),
});

function setStatus(command: 'activate' | 'deactivate', summary: string, usage: string, epilog: string): CommandDef<SetStatusArgs> {
  return defineCommand({
    name: command, summary, usage, epilog,
    positional: topologyName(command),
    takes: 'one topology name',
    flags: COMMON,
    build: (v, { positional }): SetStatusArgs => ({ ...v, command, name: positional }),
  });
}

const activate = setStatus('activate', 'Let the spouts of a deactivated topology emit again',
  'gale activate <name> [options]\n\nLet the spouts emit again.', EXIT_CODES);

const deactivate = setStatus('deactivate', 'Stop asking the spouts of a topology for tuples (in-flight trees complete)',
  'gale deactivate <name> [options]\n\nStop the spouts emitting.', ['Tuples already in flight still complete.', EXIT_CODES].join('\n'));

const rebalance = defineCommand({
  name: 'rebalance',
  summary: 'Change the worker count or a component\'s executors',
  usage: 'gale rebalance <name> [--workers <n>] [--parallelism <c>=<n> ...]\n\nChange workers or executors.',
  epilog: [
    ['The leader computes a new assignment; workers whose executors change are restarted.', 'A component can have at most as many executors as it has tasks (numTasks, fixed at deploy).'].join(' '),
    EXIT_CODES,
  ].join('\n'),
  examples: [['gale rebalance wc --workers 4 --parallelism split=4', '']],
  positional: topologyName('rebalance'),
  takes: 'one topology name',
  flags: {
    ...COMMON,
    workers: workers(),
    parallelism: {
      flag: 'parallelism', kind: 'list', describe: 'component=n (repeatable): executors of a component',
      parse: (entries, site) => parseParallelism(entries, site.hint),
    } satisfies ListFlag<Record<string, number>>,
    waitS: { ...waitS('Seconds to wait for the new assignment\'s workers to run; 0 = do not wait'), default: 0 },
  },
  build: (v, { positional, hint }): RebalanceArgs => {
    if (v.workers === undefined && Object.keys(v.parallelism).length === 0) {
      throw new CliUsageError('GALE_ERR_USAGE', 'nothing to change: give --workers <n> and/or --parallelism <component>=<n>', hint);
    }
    return { ...v, command: 'rebalance', name: positional };
  },
});

const kill = defineCommand({
  name: 'kill',
  summary: 'Deactivate a topology, wait, then stop and remove it',
  usage: 'gale kill <name> [--wait <s>] [options]\n\nDeactivate, wait, stop, remove.',
  epilog: [
    ['Deactivates the topology, waits --wait seconds so tuples in flight can complete, marks it', 'killed (its workers stop), then waits until the leader has removed it.'].join(' '),
    EXIT_CODES,
  ].join('\n'),
  positional: topologyName('kill'),
  takes: 'one topology name',
  flags: { ...COMMON, waitS: { ...waitS('Seconds between deactivate and kill (0 allowed)'), defaultText: 'messageTimeoutMs, at most 30' } },
  build: (v, { positional }): KillArgs => ({ ...v, command: 'kill', name: positional }),
});

const logs = defineCommand({
  ...LOGS_TEXT,
  examples: [...LOGS_TEXT.examples],
  positional: topologyName('logs'),
  flags: { ...COMMON, ...LOGS_FLAGS },
  build: (v, { positional }): LogsArgs => ({ ...v, command: 'logs', name: positional }),
});

/** The cluster commands, in `gale --help` order. */
export const CLUSTER_COMMAND_DEFS: readonly CommandDef<ClusterArgs>[] = [
  supervisor, deploy, list, status, logs, activate, deactivate, rebalance, kill,
];
