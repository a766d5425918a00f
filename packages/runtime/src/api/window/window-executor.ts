import type { Bolt } from '../types.js';
import { EventPaneWindowExecutor } from './event-pane-window-executor.js';
import { PaneWindowExecutor, panesFit } from './pane-window-executor.js';
import type { WindowedBolt } from './windowed-bolt.js';
import { WindowedBoltExecutor } from './windowed-bolt-executor.js';
import type { ResolvedWindow } from './window-spec.js';

/**
 * The ordinary bolt that runs a windowed bolt: in panes (processing or event time) when the bolt
 * aggregates per pane and the window can be cut into panes, else the tuple-buffering window.
 * `panes`: it keeps no tuples (the build skips the maxTuples check).
 */
export function windowExecutor(b: WindowedBolt, window: ResolvedWindow): { bolt: Bolt; panes: boolean } {
  const agg = panesFit(window) ? b.panes?.() : undefined;
  if (agg === undefined) return { bolt: new WindowedBoltExecutor(b, window), panes: false };
  return { bolt: window.eventTime ? new EventPaneWindowExecutor(b, agg, window) : new PaneWindowExecutor(b, agg, window), panes: true };
}
