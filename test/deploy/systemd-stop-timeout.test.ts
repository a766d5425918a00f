// The systemd unit's TimeoutStopSec is derived from the cluster timing (issue 13, item 5): a
// supervisor stopping with workers of a default-config topology takes at most
// supervisorStopMs(drainTimeoutMs) (drain, SIGKILL grace, bounded ZooKeeper cleanup); the unit
// must allow that, or systemd SIGKILLs the supervisor in the middle of a drain.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLUSTER_CONFIG_DEFAULTS, killAfterMs, supervisorStopMs } from '../../packages/runtime/src/config/cluster-config.js';
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../packages/runtime/src/config/topology-config.js';
import { REPO_ROOT } from '../cli/gale-process.js';

const UNIT = readFileSync(path.join(REPO_ROOT, 'deploy', 'systemd', 'gale-supervisor.service'), 'utf8');

test('TimeoutStopSec covers a default drain, the SIGKILL grace and the ZooKeeper cleanup', () => {
  const stopSec = Number(/^TimeoutStopSec=(\d+)$/m.exec(UNIT)?.[1]);
  const boundMs = supervisorStopMs(TOPOLOGY_CONFIG_DEFAULTS.drainTimeoutMs);
  expect(boundMs).toBe(killAfterMs(TOPOLOGY_CONFIG_DEFAULTS.drainTimeoutMs) + 2 * CLUSTER_CONFIG_DEFAULTS.shutdownZkDeadlineMs);
  expect(stopSec * 1000).toBeGreaterThan(boundMs);
  // The comment states the numbers the unit was derived from.
  expect(UNIT).toContain(`${boundMs / 1000} s with the defaults`);
});
