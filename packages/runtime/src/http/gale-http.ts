import { AdminSession, type ClusterTarget } from '../cluster/admin/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { Logger } from '../log.js';
import { HttpError } from './errors.js';
import { PrometheusExporter, type WorkerMetrics } from './prometheus.js';
import { actionRoutes } from './rest-actions.js';
import { readRoutes } from './rest-read.js';
import { HttpServer, type Route } from './server.js';
import { uiRoutes } from './ui-routes.js';

export interface MetricsHttpOptions {
  readonly host: string;
  readonly port: number;
  /** What `/metrics` exports, read at each scrape. */
  readonly metrics: () => readonly WorkerMetrics[];
  /** Labels on every series (e.g. `{ supervisor: id }`). */
  readonly labels?: Readonly<Record<string, string>>;
  readonly log: Logger;
}

export interface ClusterHttpOptions extends MetricsHttpOptions {
  /** Where the REST API reads and acts (its own ZooKeeper session, opened at the first request). */
  readonly target: ClusterTarget;
  readonly cluster: ClusterConfig;
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

/** `gale local --metrics-port`: `/metrics` only. */
export async function startMetricsHttp(o: MetricsHttpOptions): Promise<GaleHttp> {
  const exporter = new PrometheusExporter(o.metrics, o.labels);
  const server = await HttpServer.listen({ host: o.host, port: o.port, routes: [metricsRoute(exporter)], log: o.log });
  return { port: server.port, close: () => server.close() };
}

/**
 * A supervisor's HTTP server (`gale supervisor --http-port`): `/metrics` for itself and its
 * workers, and the REST API over the cluster's ZooKeeper (any supervisor answers for the whole
 * cluster). Actions need the cluster secret when one is configured.
 */
export async function startClusterHttp(o: ClusterHttpOptions): Promise<GaleHttp> {
  let session: Promise<AdminSession> | undefined;
  const getSession = (): Promise<AdminSession> => {
    session ??= AdminSession.connect(o.target, o.log).catch((err: unknown) => {
      session = undefined;
      throw new HttpError(503, 'GALE_ERR_HTTP_UNAVAILABLE', `cannot reach ZooKeeper at ${o.target.connectString}: ${(err as Error).message}`, { cause: err });
    });
    return session;
  };
  if (o.target.secret === undefined) {
    o.log.warn({ port: o.port }, 'no cluster secret: the HTTP actions (activate, deactivate, rebalance, kill) need no authentication');
  }
  const exporter = new PrometheusExporter(o.metrics, o.labels);
  const server = await HttpServer.listen({
    host: o.host, port: o.port, log: o.log,
    routes: [
      metricsRoute(exporter),
      ...readRoutes(getSession),
      ...actionRoutes({ session: getSession, secret: o.target.secret, cluster: o.cluster, log: o.log }),
      ...(o.uiDir !== undefined ? uiRoutes(o.uiDir, o.log) : []),
    ],
  });
  return {
    port: server.port,
    close: async () => {
      await server.close();
      const s = await session?.catch(() => undefined);
      await s?.close();
    },
  };
}
