import { killTopology, rebalanceTopology, type AdminSession } from '../cluster/admin/index.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import type { Logger } from '../log.js';
import { bearerMatches } from './auth.js';
import { HttpError } from './errors.js';
import type { Reply, Request, Route } from './server.js';

export interface ActionOptions {
  readonly session: () => Promise<AdminSession>;
  /** The configured cluster secret: when set, every action needs `Authorization: Bearer <secret>`. */
  readonly secret: string | undefined;
  readonly cluster: ClusterConfig;
  readonly log: Logger;
}

/** Throws 401 unless the request carries the cluster secret (when one is configured). */
function authorize(req: Request, secret: string | undefined): void {
  if (secret === undefined) return;
  if (!bearerMatches(typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined, secret)) {
    throw new HttpError(401, 'GALE_ERR_HTTP_UNAUTHORIZED', 'this action needs the cluster secret: send "Authorization: Bearer <secret>"');
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positiveInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', `${what} must be an integer >= 1`);
  return v;
}

/** POST routes that change a topology: activate, deactivate, rebalance, kill (docs/rest-api.md). */
export function actionRoutes(o: ActionOptions): Route[] {
  const action = (verb: string, run: (s: AdminSession, name: string, body: Record<string, unknown>) => Promise<Reply>): Route => ({
    method: 'POST', path: `/api/v1/topologies/:name/${verb}`,
    handle: async (req): Promise<Reply> => {
      authorize(req, o.secret);
      const body = await req.json();
      if (!isObject(body)) throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', 'the request body must be a JSON object');
      const name = req.params.name!;
      o.log.info({ action: verb, topology: name }, 'HTTP action');
      return run(await o.session(), name, body);
    },
  });
  const setStatus = (status: 'active' | 'inactive') => async (s: AdminSession, name: string): Promise<Reply> => {
    const previous = await s.setStatus(name, status);
    return { json: { name, status, previous } };
  };
  return [
    action('activate', setStatus('active')),
    action('deactivate', setStatus('inactive')),
    action('rebalance', async (s, name, body) => {
      const workers = body.workers === undefined ? undefined : positiveInt(body.workers, '"workers"');
      const parallelism: Record<string, number> = {};
      if (body.parallelism !== undefined) {
        if (!isObject(body.parallelism)) throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', '"parallelism" must be an object of component to executors');
        for (const [c, n] of Object.entries(body.parallelism)) parallelism[c] = positiveInt(n, `"parallelism.${c}"`);
      }
      const r = await rebalanceTopology(s, name, { workers, parallelism }, o.cluster);
      // The leader reassigns and supervisors restart workers in the background; poll the topology to follow.
      return { status: 202, json: { name, changes: r.changes } };
    }),
    action('kill', async (s, name, body) => {
      const waitSecs = body.waitSecs === undefined ? undefined : body.waitSecs;
      if (waitSecs !== undefined && (typeof waitSecs !== 'number' || !(waitSecs >= 0) || waitSecs > 3600)) {
        throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', '"waitSecs" must be a number of seconds, 0-3600');
      }
      await s.requireRecord(name);
      // A kill waits for tuples in flight, then for the leader's cleanup: answer at once, finish in the background.
      void killTopology(s, name, waitSecs, o.cluster).catch((err: unknown) => o.log.warn({ topology: name, err: (err as Error).message }, 'HTTP kill failed'));
      return { status: 202, json: { name, status: 'killing' } };
    }),
  ];
}
