import { parseTopologyConfig } from '../../config/topology-config.js';
import { workerNodeFlags } from '../slot-process.js';

describe('worker Node flags from the topology config', () => {
  it('start workers with the scavenge on their own thread unless workerParallelScavenge is true', () => {
    expect(workerNodeFlags(parseTopologyConfig({}))).toEqual(['--no-parallel-scavenge']);
    expect(workerNodeFlags(parseTopologyConfig({ workerParallelScavenge: true }))).toEqual([]);
  });

  it('refuses a workerParallelScavenge that is not a boolean', () => {
    expect(() => parseTopologyConfig({ workerParallelScavenge: 'yes' })).toThrow(/"workerParallelScavenge" must be a boolean/);
  });
});
