import { existsSync, mkdirSync, accessSync, constants as fsConstants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUPERVISOR_EVENT_NAMES, type ForwardedEvent } from '../../cluster/events.js';
import { Supervisor } from '../../cluster/supervisor.js';
import { loadTls } from '../../transport/index.js';
import { CLUSTER_CONFIG_DEFAULTS } from '../../config/cluster-config.js';
import { startClusterHttp, type GaleHttp } from '../../http/gale-http.js';
import type { SupervisorArgs } from '../cluster-args.js';
import { ClusterCommandError, resolveTarget } from '../cluster-client.js';
import { statusLine, type CliContext, type StopSignal } from '../context.js';

/**
 * `gale supervisor`: runs a {@link Supervisor} until SIGTERM/SIGINT, then drains its workers and
 * exits 0. A second signal exits at once with 1.
 */
export async function runSupervisor(args: SupervisorArgs, ctx: CliContext): Promise<number> {
  const target = resolveTarget(args, ctx, 'supervisor');
  const id = args.id ?? `${args.host}-${args.ports[0]!}`;
  const log = ctx.log.child({ supervisor: id });
  const workerMain = path.join(ctx.runtimeDir, 'dist', 'cluster', 'worker-main.js');
  if (!existsSync(workerMain)) {
    throw new ClusterCommandError('GALE_ERR_NO_WORKER_MAIN', `${workerMain} is missing; run "npm run build" first`);
  }
  const dir = workDir(args.dir, id, ctx.cwd);
  // Checked here so a bad file or a key of another certificate stops the start with one line,
  // instead of every worker failing its handshakes later. Workers read the files themselves.
  const tls = args.tls === undefined ? undefined : {
    ...args.tls,
    certFile: path.resolve(ctx.cwd, args.tls.certFile),
    keyFile: path.resolve(ctx.cwd, args.tls.keyFile),
    ...(args.tls.caFile !== undefined ? { caFile: path.resolve(ctx.cwd, args.tls.caFile) } : {}),
  };
  if (tls !== undefined) loadTls(tls);
  // Workers are separate processes: they read the log level from the environment.
  process.env.GALE_LOG_LEVEL = ctx.log.level;

  let signalled: StopSignal | undefined;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const offSignal = ctx.onSignal((signal) => {
    if (signalled === undefined) {
      signalled = signal;
      statusLine(ctx, `gale: ${signal}: stopping supervisor ${id} (draining its workers); ${signal} again to exit at once`);
      wake();
      return;
    }
    statusLine(ctx, `gale: ${signal} again: exiting without draining`);
    ctx.forceExit(1);
  });
  try {
    const supervisor = new Supervisor({
      zk: target.connectString,
      zkRoot: target.root,
      id,
      host: args.host,
      ports: args.ports,
      dir,
      ...(args.logsPort !== undefined ? { logsPort: args.logsPort } : {}),
      ...(target.secret !== undefined ? { secret: target.secret } : {}),
      ...(tls !== undefined ? { tls } : {}),
      sessionTimeoutMs: args.sessionTimeoutMs,
      connectTimeoutMs: args.connectTimeoutMs,
      heartbeatMs: args.heartbeatMs,
      workerTimeoutMs: args.workerTimeoutMs,
      workerMain,
      galeScopeDir: path.dirname(ctx.runtimeDir),
      version: ctx.version,
      cluster: args.cluster ?? CLUSTER_CONFIG_DEFAULTS,
      log,
    });
    const offEvents = forwardEvents(supervisor);
    try {
      await supervisor.start();
    } catch (err) {
      offEvents();
      throw err;
    }
    let http: GaleHttp | undefined;
    try {
      if (args.httpPort > 0) {
        http = await startClusterHttp({
          host: args.host, port: args.httpPort, target, cluster: args.cluster ?? CLUSTER_CONFIG_DEFAULTS, log, labels: { supervisor: id },
          uiDir: path.join(ctx.runtimeDir, 'ui'),
          metrics: () => supervisor.workerMetrics().map((hb) => ({
            topology: hb.topology, worker: `${hb.host}:${hb.port}`, stats: hb.stats, process: hb.process, transport: hb.transport,
          })),
        });
      }
      statusLine(ctx, `gale: supervisor ${id} ready on ${args.host} ports ${describePorts(args.ports)} (ZooKeeper ${target.connectString}${target.root}, dir ${dir}${supervisor.isLeader ? ', leader' : ''})`);
      if (http !== undefined) statusLine(ctx, `gale: supervisor ${id} serves the web UI, /metrics and /api/v1 on http://${args.host}:${http.port}/`);
      await stopped;
    } finally {
      await http?.close();
      await supervisor.close();
      offEvents();
    }
    statusLine(ctx, `gale: supervisor ${id} stopped`);
    return 0;
  } finally {
    offSignal();
  }
}

/**
 * Started by a parent with an IPC channel (tests, a process manager), the supervisor sends it
 * every event as a {@link ForwardedEvent}, so the parent awaits what happened instead of reading
 * log text. Best effort: a gone or full channel drops events, never blocks or throws.
 */
function forwardEvents(supervisor: Supervisor): () => void {
  const send = process.send?.bind(process);
  if (send === undefined) return () => {};
  const offs = SUPERVISOR_EVENT_NAMES.map((event) => supervisor.on(event, (data) => {
    if (!process.connected) return;
    const msg: ForwardedEvent = { type: 'gale.event', event, data };
    try {
      send(msg, undefined, {}, () => {}); // the callback swallows a send error (channel closed meanwhile)
    } catch {
      // the channel closed between the check and the send
    }
  }));
  return () => {
    for (const off of offs) off();
  };
}

/** `--dir`, else ~/.gale/supervisor-<id>, else (no writable home) <tmp>/gale-supervisor-<id>. */
function workDir(given: string | undefined, id: string, cwd: string): string {
  if (given !== undefined) {
    const dir = path.resolve(cwd, given);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, fsConstants.W_OK);
    } catch (err) {
      throw new ClusterCommandError('GALE_ERR_SUPERVISOR_DIR', `cannot use --dir ${given}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    return dir;
  }
  const home = os.homedir();
  for (const dir of [home === '' ? undefined : path.join(home, '.gale', `supervisor-${id}`), path.join(os.tmpdir(), `gale-supervisor-${id}`)]) {
    if (dir === undefined) continue;
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, fsConstants.W_OK);
      return dir;
    } catch {
      // try the next one
    }
  }
  throw new ClusterCommandError('GALE_ERR_SUPERVISOR_DIR', `no writable working directory for supervisor ${id}; give one with --dir`);
}

/** 6700-6703, or 6700,6702 when not contiguous. */
export function describePorts(ports: readonly number[]): string {
  const contiguous = ports.every((p, i) => i === 0 || p === ports[i - 1]! + 1);
  if (contiguous && ports.length > 1) return `${ports[0]}-${ports[ports.length - 1]}`;
  return ports.join(',');
}
