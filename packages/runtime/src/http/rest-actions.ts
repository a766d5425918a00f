import type { Logger } from '../log.js';
import { bearerMatches } from './auth.js';
import type { ClusterView } from './cluster-view.js';
import { HttpError } from './errors.js';
import type { Reply, Request, Route } from './server.js';

export interface ActionOptions {
  readonly view: ClusterView;
  /** The configured cluster secret: when set, every action needs `Authorization: Bearer <secret>`. */
  readonly secret: string | undefined;
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
  const action = (verb: string, run: (name: string, body: Record<string, unknown>) => Promise<Reply>): Route => ({
    method: 'POST', path: `/api/v1/topologies/:name/${verb}`,
    handle: async (req): Promise<Reply> => {
      authorize(req, o.secret);
      const body = await req.json();
      if (!isObject(body)) throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', 'the request body must be a JSON object');
      const name = req.params.name!;
      o.log.info({ action: verb, topology: name }, 'HTTP action');
      return run(name, body);
    },
  });
  const setStatus = (status: 'active' | 'inactive') => async (name: string): Promise<Reply> => {
    const previous = await o.view.setStatus(name, status);
    return { json: { name, status, previous } };
  };
  return [
    action('activate', setStatus('active')),
    action('deactivate', setStatus('inactive')),
    action('rebalance', async (name, body) => {
      const workers = body.workers === undefined ? undefined : positiveInt(body.workers, '"workers"');
      const parallelism: Record<string, number> = {};
      if (body.parallelism !== undefined) {
        if (!isObject(body.parallelism)) throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', '"parallelism" must be an object of component to executors');
        for (const [c, n] of Object.entries(body.parallelism)) parallelism[c] = positiveInt(n, `"parallelism.${c}"`);
      }
      const r = await o.view.rebalance(name, { workers, parallelism });
      // The change happens in the background (the leader reassigns); poll the topology to follow.
      return { status: 202, json: { name, changes: r.changes } };
    }),
    action('kill', async (name, body) => {
      const waitSecs = body.waitSecs === undefined ? undefined : body.waitSecs;
      if (waitSecs !== undefined && (typeof waitSecs !== 'number' || !(waitSecs >= 0) || waitSecs > 3600)) {
        throw new HttpError(400, 'GALE_ERR_HTTP_BAD_REQUEST', '"waitSecs" must be a number of seconds, 0-3600');
      }
      // A kill waits for tuples in flight (and on a cluster for the leader's cleanup): answer at once, finish in the background.
      const { done } = await o.view.kill(name, waitSecs);
      void done.catch((err: unknown) => o.log.warn({ topology: name, err: (err as Error).message }, 'HTTP kill failed'));
      return { status: 202, json: { name, status: 'killing' } };
    }),
  ];
}
