import { AdminSession, deployTopology, executorCount } from '../../cluster/admin/index.js';
import { workerShortfall } from '../../cluster/admin/deploy.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import { onConfigNotice } from '../../config/storm-config.js';
import { checkTopologyName, type DeployArgs } from '../cluster-args.js';
import { resolveTarget } from '../cluster-client.js';
import { waitForWorkers } from '../cluster-wait.js';
import { assignmentRows, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';
import { bundleForDeploy } from '../load-topology.js';
import { resolveTopologyFile } from '../resolve-topology.js';
import { parseSetFlags } from '../set-flags.js';
import { typecheckTopology } from '../typecheck.js';
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
 * it, deploy it (cluster/admin: upload, record), then wait until the leader has assigned it and
 * every assigned worker heartbeats as running; print where its executors run.
 */
export async function runDeploy(args: DeployArgs, ctx: CliContext): Promise<number> {
  const log = ctx.log.child({ cmd: 'deploy' });
  const cfg = CLUSTER_CONFIG_DEFAULTS;
  // Storm config names (in -c or in the topology's config) are mapped: say so once, on stderr.
  const offNotice = onConfigNotice((text) => statusLine(ctx, `gale: note: ${text}`));
  let file: Awaited<ReturnType<typeof resolveTopologyFile>>;
  let target: ReturnType<typeof resolveTarget>;
  try {
    const set = parseSetFlags(args.set, 'deploy', args.conf);
    target = resolveTarget(args, ctx, 'deploy');
    if (args.typecheck !== false) await typecheckTopology(args.file, ctx.cwd, ctx.runtimeDir, 'fix them, or deploy without the check: gale deploy --no-typecheck');
    // Every mistake in the file, its parameters or its config is found here: nothing is written yet.
    file = await resolveTopologyFile(args.file, set, { cwd: ctx.cwd, runtimeDir: ctx.runtimeDir, log, env: ctx.env });
  } finally {
    offNotice();
  }
  const { topology, config: resolved, params, entry } = file;
  const name = args.name ?? topology.name;
  checkTopologyName(name, 'topology name', helpHint('deploy'));
  const config = args.workers === undefined ? resolved : Object.freeze({ ...resolved, workers: args.workers });
  const bundle = await bundleForDeploy({ file: args.file, cwd: ctx.cwd, runtimeDir: ctx.runtimeDir, log, entry });

  const session = await AdminSession.connect(target, log);
  try {
    const { record, meta } = await deployTopology(session, { name, source: args.file, topology, config, params, code: bundle.code });
    statusLine(ctx, `gale: deployed "${name}" from ${args.file}: ${config.workers} worker${config.workers === 1 ? '' : 's'}, ${executorCount(record)} executors, code ${meta.sha256.slice(0, 12)} (${(meta.size / 1024).toFixed(1)} KB)`);
    if (args.waitS === 0) {
      statusLine(ctx, `gale: not waiting for its workers (--wait 0); see "gale status ${name}"`);
      return 0;
    }
    const a = await waitForWorkers(session, ctx, name, args.waitS, cfg);
    // A partial assignment still runs (exit 0), but the user asked for more workers than they got.
    const short = workerShortfall(record, a.workers.length);
    if (short !== undefined) statusLine(ctx, `gale: warning: ${short}`);
    if (args.json) {
      const beats = await session.heartbeats(name);
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
    await session.close();
  }
}
