import { ConfigError } from '../../errors.js';
import {
  CLUSTER_CONFIG_DEFAULTS, CLUSTER_CONFIG_KEYS, assignmentSettleMs, defaultWorkerTimeoutMs, killAfterMs, parseClusterConfig,
} from '../cluster-config.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('the cluster config table', () => {
  test('defaults are frozen, complete and within their own ranges', () => {
    expect(Object.isFrozen(CLUSTER_CONFIG_DEFAULTS)).toBe(true);
    expect(parseClusterConfig(undefined)).toBe(CLUSTER_CONFIG_DEFAULTS);
    expect(parseClusterConfig({})).toEqual(CLUSTER_CONFIG_DEFAULTS);
    expect(Object.keys(CLUSTER_CONFIG_DEFAULTS).sort()).toEqual(Object.keys(CLUSTER_CONFIG_KEYS).sort());
    for (const [key, spec] of Object.entries(CLUSTER_CONFIG_KEYS)) {
      const v = CLUSTER_CONFIG_DEFAULTS[key as keyof typeof CLUSTER_CONFIG_DEFAULTS];
      if (v === null) expect(spec.nullable).toBe(true);
      else expect(v >= spec.min && v <= spec.max).toBe(true);
    }
    expect(CLUSTER_CONFIG_DEFAULTS.leaderPeriodMs).toBe(3000);
  });

  test('overrides merge over the defaults', () => {
    const c = parseClusterConfig({ leaderPeriodMs: 500, workerTimeoutMs: 9000 });
    expect(c).toEqual({ ...CLUSTER_CONFIG_DEFAULTS, leaderPeriodMs: 500, workerTimeoutMs: 9000 });
    expect(Object.isFrozen(c)).toBe(true);
    expect(parseClusterConfig({ workerTimeoutMs: null }).workerTimeoutMs).toBeNull();
  });

  test('an unknown key is rejected with did-you-mean', () => {
    const e = configError(() => parseClusterConfig({ leaderPeriod: 100 }));
    expect(e.code).toBe('GALE_ERR_CONFIG_UNKNOWN_KEY');
    expect(e.message).toContain('unknown cluster config key "leaderPeriod" (did you mean "leaderPeriodMs"?)');
    expect(configError(() => parseClusterConfig([])).code).toBe('GALE_ERR_CONFIG_TYPE');
  });

  test('out-of-range and mistyped values name the key and the range', () => {
    expect(configError(() => parseClusterConfig({ leaderPeriodMs: 10 })).message)
      .toBe('cluster config key "leaderPeriodMs" must be an integer from 100 to 3600000, got 10');
    expect(configError(() => parseClusterConfig({ heartbeatMs: 1.5 })).code).toBe('GALE_ERR_CONFIG_VALUE');
    expect(configError(() => parseClusterConfig({ drainGraceMs: '5s' })).code).toBe('GALE_ERR_CONFIG_VALUE');
    expect(configError(() => parseClusterConfig({ heartbeatMs: null })).message).toContain('must be an integer from 50 to 600000, got null');
    expect(configError(() => parseClusterConfig({ restartBackoffInitialMs: 2000, restartBackoffMaxMs: 1000 })).message)
      .toContain('restartBackoffMaxMs must be >= restartBackoffInitialMs');
  });

  test('derived times come from the table and the topology', () => {
    expect(killAfterMs(30_000)).toBe(30_000 + CLUSTER_CONFIG_DEFAULTS.drainGraceMs);
    expect(killAfterMs(1000, parseClusterConfig({ drainGraceMs: 0 }))).toBe(1000);
    expect(defaultWorkerTimeoutMs(6000)).toBe(6000 + CLUSTER_CONFIG_DEFAULTS.workerTimeoutGraceMs);
    expect(defaultWorkerTimeoutMs(6000, parseClusterConfig({ workerTimeoutMs: 100 }))).toBe(100);
    expect(assignmentSettleMs(parseClusterConfig({ leaderPeriodMs: 1000, leaderDebounceMs: 10 }))).toBe(2010);
  });
});
