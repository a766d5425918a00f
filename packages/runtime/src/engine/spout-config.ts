import type { TopologyConfig } from '../config/topology-config.js';

/**
 * The config a spout sees: the topology's with the spout's own `maxSpoutPending`/`maxRetries`
 * options in place, as a Storm spout's conf holds its component config, so a spout that sizes
 * its reads by `maxSpoutPending` (RedisStreamSpout) sees the limit the engine applies: the
 * executors take their limits from it too.
 */
export function spoutConfig(config: TopologyConfig, spec: { readonly maxSpoutPending?: number; readonly maxRetries?: number | null }): TopologyConfig {
  if (spec.maxSpoutPending === undefined && spec.maxRetries === undefined) return config;
  return Object.freeze({
    ...config,
    ...(spec.maxSpoutPending !== undefined ? { maxSpoutPending: spec.maxSpoutPending } : {}),
    ...(spec.maxRetries !== undefined ? { maxRetries: spec.maxRetries } : {}),
  });
}
