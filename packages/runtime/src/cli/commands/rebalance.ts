import type { Assignment, TopologyRecord } from '../../cluster/model.js';
import { didYouMean } from '../../config/did-you-mean.js';
import { ACKER_COMPONENT } from '../../engine/engine.js';
import type { RebalanceArgs } from '../cluster-args.js';
import { ClusterClient, ClusterCommandError, resolveTarget } from '../cluster-client.js';
import { assignmentRows, table } from '../cluster-format.js';
import { statusLine, writeText, type CliContext } from '../context.js';
import { CliUsageError, helpHint } from '../usage-error.js';
import { waitForWorkers } from '../cluster-wait.js';

/** The leader reconciles at least this often, so an unchanged assignment is final after it. */
const LEADER_PERIOD_MS = 5000;

/**
 * `gale rebalance <name>`: changes the worker count and/or executors per component in the
 * topology record (compare-and-set); the leader computes a new assignment and supervisors
 * restart the workers whose executors changed. With `--wait`, waits for those workers.
 */
export async function runRebalance(args: RebalanceArgs, ctx: CliContext): Promise<number> {
  const client = await ClusterClient.connect(resolveTarget(args, ctx, 'rebalance'), ctx.log.child({ cmd: 'rebalance' }));
  try {
    const previous = await client.assignment(args.name);
    const { before, after } = await client.updateRecord(args.name, (r) => {
      if (r.status === 'killed') throw new ClusterCommandError('GALE_ERR_TOPOLOGY_KILLED', `topology "${args.name}" is being killed; it cannot be rebalanced`);
      checkParallelism(r, args.parallelism);
      const next: TopologyRecord = { ...r, workers: args.workers ?? r.workers, parallelism: { ...r.parallelism, ...args.parallelism } };
      return JSON.stringify(next) === JSON.stringify(r) ? undefined : next;
    });
    const changes = describeChanges(before, after);
    if (changes.length === 0) {
      statusLine(ctx, `gale: "${args.name}" already has ${after.workers} worker${after.workers === 1 ? '' : 's'} and that parallelism; nothing to do`);
    } else {
      statusLine(ctx, `gale: rebalancing "${args.name}": ${changes.join(', ')}; the leader reassigns its executors`);
    }
    if (args.waitS > 0) {
      const since = performance.now();
      const accept = (a: Assignment): boolean => samePlan(a.parallelism, after.parallelism) && a.workers.length <= after.workers
        && (previous === undefined || a.version > previous.version || a.workers.length === after.workers || performance.now() - since > LEADER_PERIOD_MS);
      const a = await waitForWorkers(client, ctx, args.name, args.waitS, accept);
      await writeText(ctx.stdout, `${table(assignmentRows(a))}\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}

/** Every component exists and gets 1..numTasks executors; the acker count is fixed at deploy. */
function checkParallelism(r: TopologyRecord, wanted: Readonly<Record<string, number>>): void {
  const hint = helpHint('rebalance');
  for (const [component, n] of Object.entries(wanted)) {
    if (component === ACKER_COMPONENT) {
      throw new CliUsageError('GALE_ERR_USAGE', `the acker count of "${r.name}" is fixed at deploy (--set ackers=<n>); it cannot be rebalanced`, hint);
    }
    const known = Object.keys(r.parallelism).filter((c) => c !== ACKER_COMPONENT);
    if (!(component in r.parallelism)) {
      throw new CliUsageError('GALE_ERR_UNKNOWN_COMPONENT',
        `topology "${r.name}" has no component "${component}"${didYouMean(component, known)}; components: ${known.join(', ')}`, hint);
    }
    const max = r.numTasks[component] ?? r.parallelism[component]!;
    if (n > max) {
      throw new CliUsageError('GALE_ERR_USAGE',
        `--parallelism ${component}=${n}: "${component}" has ${max} task${max === 1 ? '' : 's'}, so at most ${max} executor${max === 1 ? '' : 's'} (numTasks is fixed at deploy)`, hint);
    }
  }
}

function samePlan(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

function describeChanges(before: TopologyRecord, after: TopologyRecord): string[] {
  const out: string[] = [];
  if (before.workers !== after.workers) out.push(`workers ${before.workers} -> ${after.workers}`);
  for (const c of Object.keys(after.parallelism).sort()) {
    if (before.parallelism[c] !== after.parallelism[c]) out.push(`${c} ${before.parallelism[c]} -> ${after.parallelism[c]} executors`);
  }
  return out;
}
