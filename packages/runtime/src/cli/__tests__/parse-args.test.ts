// Argument parsing, in-process: every command's happy path and defaults, environment fallbacks,
// and the one-line usage errors (exit code 2) of each kind of mistake.
import { DEFAULT_STATS_INTERVAL_S } from '../args.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_DEPLOY_WAIT_S, DEFAULT_HEARTBEAT_MS, DEFAULT_SESSION_TIMEOUT_MS, DEFAULT_ZK, DEFAULT_ZK_ROOT_FLAG,
} from '../cluster-args.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import { parse, parseAs, usageError } from './parse-args-helpers.js';

const CLUSTER_DEFAULTS = {
  zk: DEFAULT_ZK, zkRoot: DEFAULT_ZK_ROOT_FLAG, secretFile: undefined, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS, logLevel: undefined,
};

describe('gale local', () => {
  it('takes the file and applies the defaults', () => {
    expect(parseAs('local', ['local', 't.ts'])).toEqual({
      command: 'local', file: 't.ts', set: [], conf: [], durationS: undefined, untilIdle: false,
      statsIntervalS: DEFAULT_STATS_INTERVAL_S, json: false, logLevel: undefined,
    });
  });

  it('reads every flag, the last of a repeated one winning', () => {
    const a = parseAs('local', [
      '--log-level', 'info', 'local', '--duration', '1', 't.ts', '--duration=2.5', '--until-idle', '--stats-interval', '0', '--json',
    ]);
    expect(a).toEqual({ command: 'local', file: 't.ts', set: [], conf: [], durationS: 2.5, untilIdle: true, statsIntervalS: 0, json: true, logLevel: 'info' });
  });

  it('keeps -c / --conf entries as text, in order, without dot-notation objects', () => {
    expect(parseAs('local', ['local', 't.ts', '-c', 'topology.workers=2', '--conf', 'a.b=1', '-c', 'x=y']).conf).toEqual(['topology.workers=2', 'a.b=1', 'x=y']);
    expect(parseAs('deploy', ['deploy', 't.yaml', '-c', 'topology.debug=true']).conf).toEqual(['topology.debug=true']);
  });

  it('keeps --set entries as text, in order, without dot-notation objects', () => {
    expect(parseAs('local', ['local', 't.ts', '--set', 'a=1', '--set', 'x.y=2', '--set', 'a=3']).set).toEqual(['a=1', 'x.y=2', 'a=3']);
  });

  it('accepts the edges of --stats-interval', () => {
    expect(parseAs('local', ['local', 't.ts', '--stats-interval', '0.1']).statsIntervalS).toBe(0.1);
    expect(parseAs('local', ['local', 't.ts', '--stats-interval', '86400']).statsIntervalS).toBe(86_400);
  });
});

describe('cluster commands', () => {
  it('supervisor: ports, host and the timing defaults', () => {
    expect(parseAs('supervisor', ['supervisor', '--host', 'h1', '--ports', '6700-6702,6710'])).toEqual({
      ...CLUSTER_DEFAULTS, command: 'supervisor', host: 'h1', ports: [6700, 6701, 6702, 6710], id: undefined, dir: undefined,
      sessionTimeoutMs: DEFAULT_SESSION_TIMEOUT_MS, heartbeatMs: DEFAULT_HEARTBEAT_MS, workerTimeoutMs: DEFAULT_SESSION_TIMEOUT_MS + 2000,
      httpPort: 8080,
    });
  });

  it('supervisor: --slots cuts the ports; worker timeout follows the session timeout', () => {
    const a = parseAs('supervisor', [
      'supervisor', '--host', 'h1', '--ports', '6700-6703', '--slots', '2', '--id', 's-1', '--dir', '/tmp/s',
      '--session-timeout', '8000', '--heartbeat', '50', '--zk', 'z1:2181,z2:2181', '--zk-root', '/g/x', '--secret-file', 's.txt',
      '--connect-timeout', '1_000',
    ]);
    expect(a).toEqual({
      command: 'supervisor', host: 'h1', ports: [6700, 6701], id: 's-1', dir: '/tmp/s', sessionTimeoutMs: 8000, heartbeatMs: 50,
      workerTimeoutMs: 10_000, zk: 'z1:2181,z2:2181', zkRoot: '/g/x', secretFile: 's.txt', connectTimeoutMs: 1000, logLevel: undefined,
      httpPort: 8080,
    });
    expect(parseAs('supervisor', ['supervisor', '--host', 'h', '--ports', '1', '--worker-timeout', '100']).workerTimeoutMs).toBe(100);
  });

  it('supervisor: --cluster-set sets cluster config keys over the defaults', () => {
    const a = parseAs('supervisor', ['supervisor', '--host', 'h', '--ports', '1', '--cluster-set', 'spreadCoolDownMs=5000', '--cluster-set', 'spreadMaxMovesPerPeriod=0', '--cluster-set', 'workerTimeoutMs=null']);
    expect(a.cluster).toEqual({ ...CLUSTER_CONFIG_DEFAULTS, spreadCoolDownMs: 5000, spreadMaxMovesPerPeriod: 0, workerTimeoutMs: null });
    expect(parseAs('supervisor', ['supervisor', '--host', 'h', '--ports', '1']).cluster).toBeUndefined();
  });

  it('deploy', () => {
    expect(parseAs('deploy', ['deploy', 'wc.ts'])).toEqual({
      ...CLUSTER_DEFAULTS, command: 'deploy', file: 'wc.ts', name: undefined, workers: undefined, set: [], conf: [], waitS: DEFAULT_DEPLOY_WAIT_S, json: false,
    });
    expect(parseAs('deploy', ['deploy', 'wc.ts', '--name', 'wc-2', '--workers', '3', '--set', 'a=1', '--wait', '0', '--json'])).toEqual({
      ...CLUSTER_DEFAULTS, command: 'deploy', file: 'wc.ts', name: 'wc-2', workers: 3, set: ['a=1'], conf: [], waitS: 0, json: true,
    });
  });

  it('list, status, activate, deactivate', () => {
    expect(parseAs('list', ['list', '--json'])).toEqual({ ...CLUSTER_DEFAULTS, command: 'list', json: true });
    expect(parseAs('status', ['status', 'wc'])).toEqual({ ...CLUSTER_DEFAULTS, command: 'status', name: 'wc', json: false });
    expect(parseAs('activate', ['activate', 'wc'])).toEqual({ ...CLUSTER_DEFAULTS, command: 'activate', name: 'wc' });
    expect(parseAs('deactivate', ['deactivate', 'wc', '--log-level', 'debug'])).toEqual({
      ...CLUSTER_DEFAULTS, command: 'deactivate', name: 'wc', logLevel: 'debug',
    });
  });

  it('rebalance: --parallelism entries, the last of a component winning', () => {
    expect(parseAs('rebalance', ['rebalance', 'wc', '--parallelism', 'split=2', '--parallelism', 'count=3', '--parallelism', 'split=4'])).toEqual({
      ...CLUSTER_DEFAULTS, command: 'rebalance', name: 'wc', workers: undefined, parallelism: { split: 4, count: 3 }, waitS: 0,
    });
    expect(parseAs('rebalance', ['rebalance', 'wc', '--workers', '4', '--wait', '30']).waitS).toBe(30);
  });

  it('kill', () => {
    expect(parseAs('kill', ['kill', 'wc'])).toEqual({ ...CLUSTER_DEFAULTS, command: 'kill', name: 'wc', waitS: undefined });
    expect(parseAs('kill', ['kill', 'wc', '--wait', '0']).waitS).toBe(0);
  });
});

describe('environment fallbacks', () => {
  it('$GALE_ZK when --zk is absent (trimmed); --zk wins', () => {
    expect(parseAs('list', ['list'], { GALE_ZK: ' z9:2181 ' }).zk).toBe('z9:2181');
    expect(parseAs('list', ['list', '--zk', 'a:1'], { GALE_ZK: 'z9:2181' }).zk).toBe('a:1');
    expect(parseAs('list', ['list'], { GALE_ZK: '' }).zk).toBe(DEFAULT_ZK);
  });

  it('a malformed $GALE_ZK is a usage error naming the variable', () => {
    expect(usageError(['status', 'wc'], { GALE_ZK: 'nohost' })).toEqual({
      code: 'GALE_ERR_USAGE', message: '$GALE_ZK "nohost" is not a ZooKeeper connect string host:port[,host:port...]', hint: undefined,
    });
  });

  it('$GALE_LOG_LEVEL when --log-level is absent; an unknown level there is ignored', () => {
    expect(parseAs('list', ['list'], { GALE_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(parseAs('list', ['list', '--log-level', 'error'], { GALE_LOG_LEVEL: 'debug' }).logLevel).toBe('error');
    expect(parseAs('local', ['local', 't.ts'], { GALE_LOG_LEVEL: 'loud' }).logLevel).toBeUndefined();
  });

  it('reads nothing but the env it is given', () => {
    const saved = process.env.GALE_ZK;
    process.env.GALE_ZK = 'from-process:1';
    try {
      expect(parseAs('list', ['list'], {}).zk).toBe(DEFAULT_ZK);
    } finally {
      if (saved === undefined) delete process.env.GALE_ZK;
      else process.env.GALE_ZK = saved;
    }
  });
});

describe('help and version', () => {
  it('come back as text instead of being printed', () => {
    expect(parse(['--version'])).toEqual({ command: 'help', output: '9.8.7' });
    const r = parse(['status', '-h']);
    expect(r.command).toBe('help');
  });
});
