import path from 'node:path';
import { startMetricsHttp, startViewHttp, type GaleHttp } from '../http/gale-http.js';
import { LocalClusterView } from '../http/local-cluster-view.js';
import type { LocalCluster } from '../local/local-cluster.js';
import { ProcessMetrics } from '../local/process-metrics.js';
import type { Logger } from '../log.js';
import type { LocalArgs } from './args.js';
import { statusLine, type CliContext } from './context.js';

export interface LocalHttpOptions {
  readonly cluster: LocalCluster;
  readonly log: Logger;
  /** Source file and `--set` parameters of the run, shown on the topology page. */
  readonly source: string;
  readonly params: Readonly<Record<string, string>>;
  /** A kill from the UI ends the run (drain, summary, exit) instead of killing behind its back. */
  readonly kill: (name: string, waitMs: number | undefined) => Promise<void>;
}

/**
 * `gale local`'s one HTTP server, bound to 127.0.0.1: with `--ui` the web UI, the REST API over
 * the LocalCluster and `/metrics`; with only `--metrics-port`, `/metrics`. Prints its URL on
 * stderr (stdout is kept for `--json`). Undefined when neither flag asks for it.
 */
export async function startLocalHttp(args: LocalArgs, ctx: CliContext, o: LocalHttpOptions): Promise<GaleHttp | undefined> {
  if (args.ui === undefined && !(args.metricsPort !== undefined && args.metricsPort > 0)) return undefined;
  const pm = new ProcessMetrics();
  const metrics = () => o.cluster.names().flatMap((name) => {
    const t = o.cluster.get(name);
    return t === undefined ? [] : [{ topology: name, worker: 'local', stats: t.stats(), process: pm.snapshot() }];
  });
  let http: GaleHttp;
  try {
    if (args.ui === undefined) {
      http = await startMetricsHttp({ host: '127.0.0.1', port: args.metricsPort!, log: o.log, metrics, portHint: 'choose another --metrics-port' });
      statusLine(ctx, `gale: Prometheus metrics on http://127.0.0.1:${http.port}/metrics`);
    } else {
      const ui = args.ui;
      const view = new LocalClusterView({
        cluster: o.cluster, version: ctx.version, kill: o.kill,
        about: () => ({ source: o.source, params: o.params }),
      });
      http = await startViewHttp({
        host: '127.0.0.1', port: ui.port, log: o.log, metrics, view, uiDir: path.join(ctx.runtimeDir, 'ui'),
        portHint: ui.portFlag === 'ui-port' ? 'choose another --ui-port (0 picks a free one)' : 'choose another --metrics-port',
      });
      statusLine(ctx, `gale: web UI on http://127.0.0.1:${http.port}/ (REST API /api/v1, Prometheus /metrics); it stops with the run`);
    }
  } catch (err) {
    pm.close();
    throw err;
  }
  return {
    port: http.port,
    close: async () => {
      pm.close();
      await http.close();
    },
  };
}
