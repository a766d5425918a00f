import type { TopologyRecord } from '../../cluster/model.js';
import { CodeStore, ZkError } from '../../coord/index.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import { checkTopologyName, type DeployArgs } from '../cluster-args.js';
import { ClusterClient, ClusterCommandError, resolveTarget } from '../cluster-client.js';
import { waitForWorkers } from '../cluster-wait.js';
import { assignmentRows, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';
import { bundleForDeploy } from '../load-topology.js';
import { resolveTopologyFile } from '../resolve-topology.js';
import { parseSetFlags } from '../set-flags.js';
import { helpHint } from '../usage-error.js';

/** What `gale deploy --json` prints. */
export interface DeployReport {
  topology: string;
  codeSha256: string;
  assignmentVersion: number;
  workers: { host: string; port: number; supervisor: string; pid: number; executors: string[] }[];
}

/**
 * `gale deploy <file>`: validate the topology locally (exactly as `gale local` loads it), bundle
 * and upload its code, record it in ZooKeeper, then wait until the leader has assigned it and
 * every assigned worker heartbeats as running; print where its executors run.
 */
export async function runDeploy(args: DeployArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'deploy' });
  const set = parseSetFlags(args.set, 'deploy');
  const target = resolveTarget(args, ctx, 'deploy');
  // Every mistake in the file, its parameters or its config is found here: nothing is written yet.
  const { topology, config: resolved, params } = await resolveTopologyFile(args.file, set, { cwd: ctx.cwd, runtimeDir: ctx.runtimeDir, log });
  const name = args.name ?? topology.name;
  checkTopologyName(name, 'topology name', helpHint('deploy'));
  const config = args.workers === undefined ? resolved : Object.freeze({ ...resolved, workers: args.workers });
  const ackers = config.ackers ?? config.workers;
  const parallelism: Record<string, number> = {};
  const numTasks: Record<string, number> = {};
  for (const c of topology.components.values()) {
    parallelism[c.id] = c.parallelism;
    numTasks[c.id] = c.numTasks;
  }
  if (ackers > 0) {
    parallelism[ACKER_COMPONENT] = ackers;
    numTasks[ACKER_COMPONENT] = ackers;
  }
  const bundle = await bundleForDeploy({ file: args.file, cwd: ctx.cwd, runtimeDir: ctx.runtimeDir, log });

  const client = await ClusterClient.connect(target, log);
  try {
    const existing = await client.record(name);
    if (existing !== undefined) throw duplicate(name, existing.record);
    const meta = await new CodeStore(client.zk, client.paths).upload(bundle.code);
    const record: TopologyRecord = {
      name,
      codeSha256: meta.sha256,
      source: args.file,
      params,
      config,
      status: 'active',
      parallelism,
      numTasks,
      workers: config.workers,
      deployedAt: Date.now(),
    };
    try {
      await client.zk.create(client.paths.topology(name), Buffer.from(JSON.stringify(record)));
    } catch (err) {
      if (err instanceof ZkError && err.code === 'GALE_ERR_ZK_NODE_EXISTS') {
        const raced = await client.record(name);
        throw duplicate(name, raced?.record);
      }
      throw err;
    }
    const executors = Object.values(parallelism).reduce((n, p) => n + p, 0);
    statusLine(ctx, `gale: deployed "${name}" from ${args.file}: ${config.workers} worker${config.workers === 1 ? '' : 's'}, ${executors} executors, code ${meta.sha256.slice(0, 12)} (${(meta.size / 1024).toFixed(1)} KB)`);
    if (args.waitS === 0) {
      statusLine(ctx, `gale: not waiting for its workers (--wait 0); see "gale status ${name}"`);
      return 0;
    }
    const a = await waitForWorkers(client, ctx, name, args.waitS);
    if (args.json) {
      const beats = await client.heartbeats(name);
      const report: DeployReport = {
        topology: name,
        codeSha256: meta.sha256,
        assignmentVersion: a.version,
        workers: a.workers.map((w) => ({
          host: w.host, port: w.port, supervisor: w.supervisor,
          pid: beats.find((b) => b.supervisor === w.supervisor && b.port === w.port)?.pid ?? 0,
          executors: [...w.executors],
        })),
      };
      await writeText(ctx.stdout, `${JSON.stringify(report, null, 2)}\n`);
    } else {
      await writeText(ctx.stdout, `${table(assignmentRows(a))}\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}

function duplicate(name: string, existing: TopologyRecord | undefined): ClusterCommandError {
  if (existing?.status === 'killed') {
    return new ClusterCommandError('GALE_ERR_DUPLICATE_TOPOLOGY', `a topology named "${name}" is being killed; wait until "gale list" no longer shows it, or choose another --name`);
  }
  return new ClusterCommandError('GALE_ERR_DUPLICATE_TOPOLOGY', `a topology named "${name}" is already deployed; kill it first or choose another --name`);
}
