import type { TopologyConfig } from '../config/topology-config.js';

/**
 * Tuple-tree timeouts, Storm's rotating scheme: time is cut in epochs of `messageTimeoutMs / 2`;
 * spout tasks (pending trees) and acker tasks (ledger entries) each expire what was not touched
 * for KEEP_EPOCHS full epochs, i.e. 1x–1.5x `messageTimeoutMs` after the last touch.
 */
export const KEEP_EPOCHS = 2;

/** How often spouts and ackers rotate their epochs. */
export function rotationMs(config: TopologyConfig): number {
  return Math.max(1, config.messageTimeoutMs / 2);
}
