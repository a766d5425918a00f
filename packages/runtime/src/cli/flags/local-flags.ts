import type { LogLevel } from '../../log.js';
import { defineCommand } from './command.js';
import { CONF_FLAG } from './conf-flag.js';
import { GLOBAL_FLAGS } from './global-flags.js';
import type { BooleanFlag, ListFlag, NumberFlag } from './table.js';
import { CliUsageError } from '../usage-error.js';

/** `gale local`: its flag table and args type. */

export const DEFAULT_STATS_INTERVAL_S = 5;
/** `--ui` without `--ui-port` or `--metrics-port`: Storm's UI port, as the supervisor's `--http-port`. */
export const DEFAULT_UI_PORT = 8080;

/** Where `gale local --ui` serves the web UI, the REST API and `/metrics` (one server). */
export interface LocalUi {
  /** 0: any free port (printed on stderr). */
  readonly port: number;
  /** The flag the port came from, for the port-in-use message. */
  readonly portFlag: 'ui-port' | 'metrics-port';
}

/** `gale local <file> ...` */
export interface LocalArgs {
  readonly command: 'local';
  /** The topology file as typed (relative to the working directory). */
  readonly file: string;
  /** Raw `--set key=value` entries, in order. */
  readonly set: readonly string[];
  /** Raw `-c key=value` config overrides, in order. */
  readonly conf: readonly string[];
  /** Stop (and drain) after this many seconds. */
  readonly durationS: number | undefined;
  /** Stop once every spout is exhausted and every tuple tree completed. */
  readonly untilIdle: boolean;
  /** Seconds between live stats lines; 0 disables them. */
  readonly statsIntervalS: number;
  /** Print a JSON stats object to stdout at exit. */
  readonly json: boolean;
  /** `--typecheck`: type-check the topology file with the TypeScript compiler before running it. */
  readonly typecheck?: true;
  /** `--log-level`, else a valid `$GALE_LOG_LEVEL`. */
  readonly logLevel: LogLevel | undefined;
  /** Serve Prometheus `/metrics` on this port of 127.0.0.1; undefined or 0: no server. */
  readonly metricsPort: number | undefined;
  /** `--ui` (or `--ui-port`): serve the web UI and the REST API too; absent: no UI. */
  readonly ui?: LocalUi;
}

const set: ListFlag = {
  flag: 'set', kind: 'list',
  describe: 'key=value (repeatable): a config key such as maxSpoutPending, or a topology parameter',
};
const durationS: NumberFlag = {
  flag: 'duration', kind: 'number', unit: 's', integer: false, min: 0, minExclusive: true, max: Infinity,
  rangeText: 'a positive number of seconds',
  describe: 'Seconds to run, then drain and exit', defaultText: 'until stopped',
};
const untilIdle: BooleanFlag = {
  flag: 'until-idle', kind: 'boolean', describe: 'Stop once every spout is exhausted and every tuple tree completed',
};
const statsIntervalS = {
  flag: 'stats-interval', kind: 'number', unit: 's', integer: false, min: 0.1, max: 86_400, zeroOk: true,
  rangeText: '0 (off) or 0.1 to 86400 seconds',
  describe: 'Seconds between per-component rate lines on stderr; 0 = none', default: DEFAULT_STATS_INTERVAL_S,
} as const satisfies NumberFlag;
const metricsPort = {
  flag: 'metrics-port', kind: 'number', unit: 'count', integer: true, min: 0, max: 65_535,
  rangeText: 'a port, 1-65535 (0 = off)',
  describe: 'Serve Prometheus /metrics on 127.0.0.1:<port> while running (docs/metrics.md)', defaultText: 'off',
} as const satisfies NumberFlag;
const ui: BooleanFlag = {
  flag: 'ui', kind: 'boolean',
  describe: 'Serve the web UI, the REST API /api/v1 and /metrics on 127.0.0.1 while the topology runs (docs/ui.md)',
};
const uiPort = {
  flag: 'ui-port', kind: 'number', unit: 'count', integer: true, min: 0, max: 65_535,
  rangeText: 'a port, 0-65535 (0 = any free port)',
  describe: 'Port of the --ui server on 127.0.0.1 (implies --ui; 0 = any free port)',
  defaultText: `${DEFAULT_UI_PORT}, or the --metrics-port`,
} as const satisfies NumberFlag;
const json: BooleanFlag = {
  flag: 'json', kind: 'boolean', describe: 'At exit, print stats and the resolved config as JSON on stdout',
};
const typecheck: BooleanFlag = {
  flag: 'typecheck', kind: 'boolean', describe: 'Type-check the file with the TypeScript compiler first (errors exit 2)',
};

export const LOCAL_COMMAND = defineCommand({
  name: 'local',
  summary: 'Run a topology in this process until stopped',
  usage: 'gale local <file> [options]\n\nRun a topology in this process until stopped.',
  epilog: [
    ['Compiles <file> (.ts, .mts, .js or .mjs) with esbuild and runs its default export, a topology', 'or a function (params) => topology, in a LocalCluster; or loads a YAML topology (.yaml, .yml;', 'docs/yaml.md). -c key=value overrides topology config, Storm names included. Stops on Ctrl-C', 'or SIGTERM (draining in-flight tuples; a second Ctrl-C exits at once), after --duration, or', 'with --until-idle. --ui serves the web UI while the topology runs (one server with', '--metrics-port when both are given); the UI stops with the run.'].join(' '),
    'Exit codes: 0 ok, 1 runtime failure, 2 usage error. Reference: docs/cli.md',
  ].join('\n'),
  examples: [
    ['gale local wc.ts --set input=in.txt', 'with a parameter; --until-idle: stop when done'],
    ['gale local t.ts --duration 30', 'stop after 30 s (--set ackers=0: no acking)'],
    ['gale local t.ts --json > stats.json', 'final stats as JSON on stdout'],
    ['gale local t.yaml -c topology.debug=true', 'YAML topology, Storm config key'],
    ['gale local t.ts --ui', 'web UI on http://127.0.0.1:8080/ until Ctrl-C'],
  ],
  positional: {
    name: 'file',
    describe: 'Topology file: .ts/.js whose default export is a topology or (params) => topology, or .yaml',
    missing: 'missing topology file: gale local <file>',
  },
  takes: 'one topology file',
  flags: { ...GLOBAL_FLAGS, set, conf: CONF_FLAG, durationS, untilIdle, statsIntervalS, json, typecheck, metricsPort, ui, uiPort },
  build: ({ typecheck, ui, uiPort, ...v }, { positional, given, hint }): LocalArgs => {
    const server = ui || uiPort !== undefined ? uiServer(uiPort, v.metricsPort, given, hint) : undefined;
    return { command: 'local', file: positional, ...v, ...(typecheck ? { typecheck } : {}), ...(server !== undefined ? { ui: server } : {}) };
  },
});

/** gale local runs one HTTP server: with --metrics-port, the UI is served on that port. */
function uiServer(uiPort: number | undefined, metricsPort: number | undefined, given: { uiPort?: string; metricsPort?: string }, hint: string): LocalUi {
  if (metricsPort === undefined || metricsPort === 0) return { port: uiPort ?? DEFAULT_UI_PORT, portFlag: 'ui-port' };
  if (uiPort !== undefined && uiPort !== metricsPort) {
    throw new CliUsageError('GALE_ERR_USAGE',
      `--ui-port ${given.uiPort ?? uiPort} and --metrics-port ${given.metricsPort ?? metricsPort} differ, but gale local runs one HTTP server (with --ui it serves /metrics too): give only one of them`,
      hint);
  }
  return { port: metricsPort, portFlag: 'metrics-port' };
}
