import type { ClusterTarget } from '../cluster/admin/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { Logger } from '../log.js';
import type { ClusterView } from './cluster-view.js';
import { PrometheusExporter, type WorkerMetrics } from './prometheus.js';
import { actionRoutes } from './rest-actions.js';
import { readRoutes } from './rest-read.js';
import { HttpServer, type Route } from './server.js';
import { uiRoutes } from './ui-routes.js';
import { ZkClusterView } from './zk-cluster-view.js';

export interface MetricsHttpOptions {
  readonly host: string;
  readonly port: number;
  /** What `/metrics` exports, read at each scrape. */
  readonly metrics: () => readonly WorkerMetrics[];
  /** Labels on every series (e.g. `{ supervisor: id }`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly log: Logger;
  /** How a port-in-use error says to fix it (default: the supervisor's `--http-port`). */
  readonly portHint?: string;
}

export interface ClusterHttpOptions extends MetricsHttpOptions {
  /** Where the REST API reads and acts (its own ZooKeeper session, opened at the first request). */
  readonly target: ClusterTarget;
  readonly cluster: ClusterConfig;
  /** The web UI's files (`<@gale/runtime>/ui`); absent: no UI, only `/metrics` and `/api/v1`. */
  readonly uiDir?: string;
}

export interface ViewHttpOptions extends MetricsHttpOptions {
  /** What the REST API reads and acts on. */
  readonly view: ClusterView;
  /** When set, every action needs `Authorization: Bearer <secret>`. */
  readonly secret?: string;
  /** The web UI's files (`<@gale/runtime>/ui`); absent: no UI, only `/metrics` and `/api/v1`. */
  readonly uiDir?: string;
}

/** A running gale HTTP server: `/metrics`, and on a supervisor the REST API and the web UI. */
export interface GaleHttp {
  readonly port: number;
  close(): Promise<void>;
}

function metricsRoute(exporter: PrometheusExporter): Route {
  return { method: 'GET', path: '/metrics', handle: async () => ({ text: await exporter.render(), contentType: exporter.contentType }) };
}

/** `gale local --metrics-port` without `--ui`: `/metrics` only. */
export async function startMetricsHttp(o: MetricsHttpOptions): Promise<GaleHttp> {
  const exporter = new PrometheusExporter(o.metrics, o.labels);
  const server = await HttpServer.listen({ host: o.host, port: o.port, routes: [metricsRoute(exporter)], log: o.log, ...hint(o) });
  return { port: server.port, close: () => server.close() };
}

/**
 * `/metrics`, the REST API over `view` and the web UI: a supervisor's server over ZooKeeper, or
 * `gale local --ui` over its LocalCluster. Closing it closes the view.
 */
export async function startViewHttp(o: ViewHttpOptions): Promise<GaleHttp> {
  const exporter = new PrometheusExporter(o.metrics, o.labels);
  let server: HttpServer;
  try {
    server = await HttpServer.listen({
      host: o.host, port: o.port, log: o.log, ...hint(o),
      routes: [
        metricsRoute(exporter),
        ...readRoutes(o.view),
        ...actionRoutes({ view: o.view, secret: o.secret, log: o.log }),
        ...(o.uiDir !== undefined ? uiRoutes(o.uiDir, o.log) : []),
      ],
    });
  } catch (err) {
    await o.view.close();
    throw err;
  }
  return {
    port: server.port,
    close: async () => {
      await server.close();
      await o.view.close();
    },
  };
}

/**
 * A supervisor's HTTP server (`gale supervisor --http-port`): `/metrics` for itself and its
 * workers, and the REST API over the cluster's ZooKeeper (any supervisor answers for the whole
 * cluster). Actions need the cluster secret when one is configured.
 */
export function startClusterHttp(o: ClusterHttpOptions): Promise<GaleHttp> {
  if (o.target.secret === undefined) {
    o.log.warn({ port: o.port }, 'no cluster secret: the HTTP actions (activate, deactivate, rebalance, kill) need no authentication');
  }
  return startViewHttp({ ...o, view: new ZkClusterView(o.target, o.cluster, o.log), ...(o.target.secret !== undefined ? { secret: o.target.secret } : {}) });
}

function hint(o: MetricsHttpOptions): { portHint?: string } {
  return o.portHint !== undefined ? { portHint: o.portHint } : {};
}
