// Entry point of a worker process, forked by a supervisor (`child_process.fork`).
// Reads its launch description from GALE_WORKER; the cluster secret comes over the IPC channel
// (secret-channel.ts), never through the environment or argv.
import { existsSync, readFileSync, writeSync } from 'node:fs';
import { captureConsole, createLogger, rootLog, isLogLevel, setLogLevel, type ConsoleMethod, type Logger, type LogLevel } from '../log.js';
import { RotatingLogFile } from './rotating-log-file.js';
import { parsePeerRoutes } from './peer-routes.js';
import { receiveSecret } from './secret-channel.js';
import { Worker, type CrashHook, type WorkerLaunch } from './worker.js';

/**
 * Test-only: GALE_CLOCK_OFFSET_MS shifts this process's wall clock (`Date.now()`) by that many ms,
 * and GALE_CLOCK_OFFSET_FILE names a file holding such a number, read at start (a test can step
 * the clock of the next launch of a worker). They simulate a machine whose clock stepped (NTP, VM
 * restore) in tests of what gale does when the clock moves (docs/guarantees.md). Never set them in production.
 */
function applyClockOffset(): void {
  let text = process.env.GALE_CLOCK_OFFSET_MS ?? '';
  const file = process.env.GALE_CLOCK_OFFSET_FILE;
  if (file !== undefined && existsSync(file)) text = readFileSync(file, 'utf8').trim();
  const offset = Number(text);
  if (text === '' || !Number.isFinite(offset) || offset === 0) return;
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offset;
}

async function main(): Promise<number> {
  // stderr is a pipe to the supervisor (which keeps its last lines, stderr-tail.ts). If the
  // supervisor dies, writes fail with EPIPE: pino then stops logging by itself; a direct write
  // must not turn that into an uncaught 'error' event that kills a draining worker.
  process.stderr.on('error', () => {});
  applyClockOffset();
  // Bundles carry inline source maps: component errors then name the topology's .ts file and line.
  process.setSourceMapsEnabled(true);
  const raw = process.env.GALE_WORKER;
  if (raw === undefined) {
    process.stderr.write('gale worker: GALE_WORKER is not set; workers are started by `gale supervisor`\n');
    return 2;
  }
  const level = process.env.GALE_LOG_LEVEL;
  if (level !== undefined && isLogLevel(level)) setLogLevel(level);
  const launch = JSON.parse(raw) as WorkerLaunch;
  // The worker's own file (read by `gale logs` through its supervisor), not the supervisor's stderr.
  const file = launch.logFile === undefined ? undefined : new RotatingLogFile(launch.logFile);
  // The file keeps at least `info` (console output of components is info) whatever the
  // supervisor's own stderr level; a more verbose supervisor level (debug, trace) carries over.
  const fileLevel = rootLog.levelVal < 30 ? (rootLog.level as LogLevel) : 'info';
  const log = (file === undefined ? rootLog : createLogger(file, fileLevel)).child({ worker: `${launch.supervisor}-${launch.port}`, topology: launch.topology });
  captureConsole((method, text, who) => {
    log[consoleLevel(method)]({ console: method, ...(who === undefined ? {} : { component: who.component, task: who.task }) }, text);
  });
  // A worker that dies (process.exit from a bolt, an uncaught exception) counts the crash against
  // the spout messages it was executing, so one that kills every worker it reaches is
  // dead-lettered after maxRetries instead of replaying for ever (engine/crash-counts.ts).
  // Installed before the start: the spout may emit the poison while the worker starts.
  const dying: CrashHook = {};
  process.on('exit', (code) => {
    try {
      if (code !== 0) dying.record?.(code);
    } finally {
      // Seen to end: a launch whose journal still says `running` died without this handler (crash-journal.ts).
      dying.exited?.();
    }
  });
  // Node would print the stack and exit 1 without running 'exit' handlers: do it ourselves.
  process.on('uncaughtException', (err, origin) => {
    writeSync(2, `gale worker: ${origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception'}: ${err?.stack ?? String(err)}\n`);
    process.exit(1);
  });
  let worker: Worker;
  try {
    // Test-only (peer-routes.ts): a fault proxy between this worker and some peers.
    const peerRoutes = parsePeerRoutes(process.env.GALE_TEST_PEER_ROUTES);
    worker = await Worker.start(launch, await receiveSecret(process), log, dying, peerRoutes);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'GALE_ERR_TOPOLOGY_KILLED') {
      log.info({ code }, 'topology killed; worker not started');
      return 0;
    }
    log.error({ err: (err as Error).message, code }, 'worker failed to start');
    return 1;
  }
  const stop = (): void => void worker.stop(0);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The supervisor going away (IPC channel closed) means nobody manages us any more.
  process.once('disconnect', stop);
  return worker.done;
}

function consoleLevel(method: ConsoleMethod): keyof Pick<Logger, 'error' | 'warn' | 'info' | 'debug'> {
  if (method === 'error' || method === 'trace') return 'error';
  return method === 'warn' || method === 'debug' ? method : 'info';
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`gale worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
