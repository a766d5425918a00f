import type { ClusterView } from './cluster-view.js';
import type { Reply, Route } from './server.js';

export type { ClusterSummary, ClusterSupervisor } from './cluster-view.js';

/** Read-only routes: the cluster, the topology list and one topology (docs/rest-api.md). */
export function readRoutes(view: ClusterView): Route[] {
  return [
    { method: 'GET', path: '/api/v1/cluster', handle: async (): Promise<Reply> => ({ json: await view.cluster() }) },
    { method: 'GET', path: '/api/v1/topologies', handle: async (): Promise<Reply> => ({ json: { topologies: await view.topologies() } }) },
    { method: 'GET', path: '/api/v1/topologies/:name', handle: async (req): Promise<Reply> => ({ json: await view.topology(req.params.name!) }) },
  ];
}
