import type { Topology } from '../../api/builder.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import { onConfigNotice } from '../../config/storm-config.js';
import { scopeTopology } from '../../engine/component-scope.js';
import { captureConsole, inComponent } from '../../log.js';
import type { ComponentStats } from '../../engine/metrics.js';
import { LocalCluster, type LocalTopology } from '../../local/local-cluster.js';
import type { LocalArgs } from '../args.js';
import { statusLine, writeText, type CliContext, type StopSignal } from '../context.js';
import { loadTopologyFile } from '../resolve-topology.js';
import { SET_ORIGIN, parseSetFlags } from '../set-flags.js';
import { REPLAY_NOTE_CHECK_MS, replayNote, totalReplayed } from '../replay-note.js';
import { IDLE_HINT_CHECK_MS, IdleWatch, unflushedWindows } from '../idle-hint.js';
import { rateLines, summaryLines } from '../stats-format.js';
import { typecheckTopology } from '../typecheck.js';
import { CliUsageError } from '../usage-error.js';

/** Why a run ended. */
export type StopReason =
  | { readonly kind: 'idle' }
  | { readonly kind: 'duration'; readonly seconds: number }
  | { readonly kind: 'signal'; readonly signal: StopSignal }
  /** Kill from the web UI or REST API (`--ui`); `waitMs` overrides the drain timeout. */
  | { readonly kind: 'killed'; readonly waitMs: number | undefined };

/** What `--json` prints to stdout. */
export interface LocalRunReport {
  topology: string;
  stoppedBy: StopReason['kind'];
  signal?: StopSignal;
  /** From submit to the end of the drain. */
  elapsedMs: number;
  /** The resolved config the topology ran with (topology config + `--set` overrides). */
  config: LocalTopology['config'];
  /** `--set` parameters given to the topology function. */
  params: Record<string, string>;
  components: ComponentStats[];
  errors: ReturnType<LocalTopology['errors']>;
}

/** How to skip the drain, named after the signal that started it (SIGTERM comes from kill, not a key). */
function againToExit(signal: string): string {
  return signal === 'SIGINT' ? 'Ctrl-C again to exit at once' : `send ${signal} again to exit at once`;
}

/** Longest delay setTimeout takes as is; longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `gale local <file>`: compile and load the topology, run it in a {@link LocalCluster}, print
 * live rates, stop on a signal, `--duration` or `--until-idle`, drain, print totals.
 * Returns the exit code; throws for usage errors (exit 2) and runtime failures (exit 1).
 */
export async function runLocal(args: LocalArgs, ctx: CliContext): Promise<number> {
  // Storm config names (in -c or in the topology's config) are mapped: say so once, on stderr.
  const offNotice = onConfigNotice((text) => statusLine(ctx, `gale: note: ${text}`));
  let set: ReturnType<typeof parseSetFlags>;
  try {
    set = parseSetFlags(args.set, 'local', args.conf);
  } catch (err) {
    offNotice();
    throw err;
  }
  const log = ctx.log.child({ cmd: 'local' });

  let stopRequested: (r: StopReason) => void = () => {};
  const stop = new Promise<StopReason>((resolve) => {
    stopRequested = resolve;
  });
  let signalled = false;
  let running = false;
  const offSignal = ctx.onSignal((signal) => {
    if (!signalled) {
      signalled = true;
      stopRequested({ kind: 'signal', signal });
      // While the file loads or components open, user code may be stuck: say what happens next.
      if (!running) statusLine(ctx, `gale: ${signal}: stopping once the topology has started; ${againToExit(signal)}`);
      return;
    }
    statusLine(ctx, `gale: ${signal} again: exiting without draining`);
    ctx.forceExit(1);
  });

  const cancels: (() => void)[] = [];
  // Components' console output goes to stderr, prefixed with component and task: stdout is only
  // for --json (and the topology file's own top-level console calls are caught too).
  cancels.push(captureConsole((_method, text, who) => {
    const prefix = who === undefined ? '[console]' : `[${who.component}:${who.task}]`;
    ctx.stderr.write(`${text.split('\n').map((l) => `${prefix} ${l}`).join('\n')}\n`);
  }));
  const cluster = new LocalCluster();
  try {
    if (args.typecheck === true) await typecheckTopology(args.file, ctx.cwd, ctx.runtimeDir, 'fix them, or run without --typecheck');
    const { topology } = await loadTopologyFile(args.file, set, { cwd: ctx.cwd, runtimeDir: ctx.runtimeDir, log, env: ctx.env });
    parseTopologyConfig(set.config, topology.config, SET_ORIGIN);
    if (args.untilIdle) checkExhaustible(topology);

    // Bound before the topology starts: a port in use fails fast, before spouts open.
    let killed: () => void = () => {};
    const killDone = new Promise<void>((resolve) => {
      killed = resolve;
    });
    // The HTTP stack (UI, REST, Prometheus) is loaded only when asked for: it is most of the
    // CLI's start-up time, which every local run pays.
    const wantsHttp = args.ui !== undefined || (args.metricsPort !== undefined && args.metricsPort > 0);
    const http = !wantsHttp ? undefined : await (await import('../local-http.js')).startLocalHttp(args, ctx, {
      cluster, log, source: args.file, params: { ...set.params },
      kill: (_name, waitMs) => {
        stopRequested({ kind: 'killed', waitMs });
        return killDone;
      },
    });
    if (http !== undefined) cancels.push(() => void http.close());
    if (args.ui !== undefined && (args.untilIdle || args.durationS !== undefined)) {
      statusLine(ctx, `gale: note: the web UI stops with the run (${args.untilIdle ? '--until-idle' : `--duration ${args.durationS}`}); leave that flag out to keep it up until Ctrl-C`);
    }

    // The engine's timers are unref'd on purpose: the owner (we) keeps the process alive.
    const keepAlive = setInterval(() => {}, MAX_TIMER_MS);
    cancels.push(() => clearInterval(keepAlive));

    const t = await cluster.submit(scopeTopology(topology, inComponent), { config: set.config });
    running = true;
    const startedAt = performance.now();
    statusLine(ctx, `gale: running "${t.name}" (${describeComponents(topology)}); ${args.untilIdle ? 'until idle, ' : ''}Ctrl-C to stop`);
    if (args.statsIntervalS > 0) cancels.push(startStats(ctx, t, args.statsIntervalS * 1000, startedAt));

    const reasons: Promise<StopReason>[] = [stop];
    if (args.durationS !== undefined) {
      const seconds = args.durationS;
      reasons.push(new Promise((resolve) => cancels.push(after(seconds * 1000, () => resolve({ kind: 'duration', seconds })))));
    }
    if (args.untilIdle) {
      reasons.push(t.waitUntilDone().then(() => ({ kind: 'idle' }) as const));
      let replayedBefore = 0;
      const noteTimer = setInterval(() => {
        const stats = t.stats();
        const note = replayNote(stats, t.config.maxRetries, replayedBefore);
        replayedBefore = totalReplayed(stats);
        if (note === undefined) return;
        clearInterval(noteTimer);
        statusLine(ctx, note);
      }, REPLAY_NOTE_CHECK_MS);
      cancels.push(() => clearInterval(noteTimer));
      const windows = unflushedWindows(topology);
      const watch = new IdleWatch(windows);
      const idleTimer = windows.length === 0 ? undefined : setInterval(() => {
        const hint = watch.observe(t.stats(), performance.now());
        if (hint === undefined) return;
        clearInterval(idleTimer);
        statusLine(ctx, hint);
      }, IDLE_HINT_CHECK_MS);
      cancels.push(() => clearInterval(idleTimer));
    }
    const reason = await Promise.race(reasons);

    const drainMs = reason.kind === 'killed' && reason.waitMs !== undefined ? reason.waitMs : t.config.drainTimeoutMs;
    if (reason.kind !== 'idle') {
      statusLine(ctx, `gale: stopping "${t.name}" (${describeReason(reason)}): draining in-flight tuples for up to ${drainMs / 1000}s${reason.kind === 'signal' ? `; ${againToExit(reason.signal)}` : ''}`);
    }
    try {
      await cluster.kill(t.name, drainMs);
    } finally {
      killed();
    }
    const elapsedMs = performance.now() - startedAt;
    for (const c of cancels.splice(0)) c();

    const components = t.stats();
    const errors = t.errors();
    statusLine(ctx, `gale: stopped "${t.name}" after ${(elapsedMs / 1000).toFixed(1)}s (${describeReason(reason)})`);
    for (const line of summaryLines(components, errors)) statusLine(ctx, line);
    if (args.json) {
      const report: LocalRunReport = {
        topology: t.name,
        stoppedBy: reason.kind,
        ...(reason.kind === 'signal' ? { signal: reason.signal } : {}),
        elapsedMs: Math.round(elapsedMs),
        config: t.config,
        params: { ...set.params },
        // The raw histograms are for merging across workers, not for reading.
        components: components.map(({ executeHistogram: _e, completeHistogram: _c, ...rest }) => rest),
        errors,
      };
      await writeText(ctx.stdout, `${JSON.stringify(report, null, 2)}\n`);
    }
    return 0;
  } finally {
    for (const c of cancels.splice(0)) c();
    offSignal();
    offNotice();
    await cluster.shutdown(0);
  }
}

/** `--until-idle` waits for every spout's isExhausted(); a spout without one would run forever. */
function checkExhaustible(topology: Topology): void {
  for (const spec of topology.components.values()) {
    if (spec.kind !== 'spout') continue;
    // build() already created every component once; a probe instance is never opened.
    const probe = spec.create();
    if (typeof probe.isExhausted !== 'function') {
      throw new CliUsageError(
        'GALE_ERR_NOT_EXHAUSTIBLE',
        `--until-idle needs every spout to implement isExhausted(); spout "${spec.id}" does not`,
        'stop it with --duration <s> or Ctrl-C instead',
      );
    }
  }
}

/** Prints rate lines every `intervalMs`; returns the cancel. */
function startStats(ctx: CliContext, t: LocalTopology, intervalMs: number, startedAt: number): () => void {
  let prev = t.stats();
  let prevAt = performance.now();
  const timer = setInterval(() => {
    const cur = t.stats();
    const now = performance.now();
    for (const line of rateLines(prev, cur, now - prevAt, now - startedAt)) statusLine(ctx, line);
    prev = cur;
    prevAt = now;
  }, intervalMs);
  return () => clearInterval(timer);
}

/** setTimeout for any delay (longer than ~24.8 days is re-armed); returns the cancel. */
function after(ms: number, fn: () => void): () => void {
  let handle: NodeJS.Timeout;
  const arm = (left: number): void => {
    handle = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return () => clearTimeout(handle);
}

function describeComponents(topology: Topology): string {
  const ids = (kind: 'spout' | 'bolt'): string[] => [...topology.components.values()].filter((c) => c.kind === kind).map((c) => c.id);
  const bolts = ids('bolt');
  return `spouts ${ids('spout').join(', ')}${bolts.length > 0 ? `; bolts ${bolts.join(', ')}` : ''}`;
}

function describeReason(r: StopReason): string {
  switch (r.kind) {
    case 'idle': return 'all spouts exhausted, all tuple trees complete';
    case 'duration': return `--duration ${r.seconds}s`;
    case 'signal': return r.signal;
    case 'killed': return 'killed from the web UI';
  }
}
