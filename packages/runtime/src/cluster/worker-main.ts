// Entry point of a worker process, forked by a supervisor (`child_process.fork`).
// Reads its launch description from GALE_WORKER; the cluster secret comes over the IPC channel
// (secret-channel.ts), never through the environment or argv.
import { existsSync, readFileSync } from 'node:fs';
import { captureConsole, createLogger, rootLog, isLogLevel, setLogLevel, type ConsoleMethod, type Logger, type LogLevel } from '../log.js';
import { RotatingLogFile } from './rotating-log-file.js';
import { receiveSecret } from './secret-channel.js';
import { Worker, type WorkerLaunch } from './worker.js';

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
  let worker: Worker;
  try {
    worker = await Worker.start(launch, await receiveSecret(process), log);
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
