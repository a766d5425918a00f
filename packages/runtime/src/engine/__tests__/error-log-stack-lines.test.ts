// What the error log writes for a component error: the stack without gale's own frames (the
// executor loop that called the component), on its own line for the first occurrence only (a
// repeat's stack is the same and goes to debug), and after the close (a task whose open resolved
// late, then failed to clean up) a line at once: no later close would report what the rate limit
// left out.
import { ErrorLog } from '../error-log.js';
import { withoutGaleFrames } from '../error-stack.js';
import type { LogRecord } from './manual-engine.js';

function errorLog(): { log: ErrorLog; lines: LogRecord[]; at: (ms: number) => void } {
  let now = 0;
  const lines: LogRecord[] = [];
  const rec = (level: LogRecord['level']) => (obj: object, msg: string): void => void lines.push({ level, obj, msg });
  const log = new ErrorLog({ now: () => now, epochMs: () => 1_000_000 + now }, { error: rec('error'), warn: rec('warn'), info: rec('info'), debug: rec('debug') }, undefined);
  return { log, lines, at: (ms) => { now = ms; } };
}

const USER = '    at SplitBolt.execute (file:///home/me/proj/wc.ts:42:11)';
const GALE_BUILT = '    at BoltTask.run (file:///opt/gale/packages/runtime/dist/chunks/chunk-D2D56DV2.js:2:58594)';
const GALE_INSTALLED = '    at SpoutExecutor.turn (/home/me/proj/node_modules/@gale/runtime/dist/index.js:1:200)';
const LIB = '    at parse (/home/me/proj/node_modules/csv/lib/index.js:10:3)';

function thrown(message: string): Error {
  const e = new Error(message);
  e.stack = [`Error: ${message}`, LIB, USER, GALE_BUILT, GALE_INSTALLED, '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)'].join('\n');
  return e;
}

it('a stack loses gale\'s frames and keeps the message, the user\'s, libraries\' and node\'s', () => {
  expect(withoutGaleFrames(thrown('x').stack)).toBe(['Error: x', LIB, USER, '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)'].join('\n'));
  expect(withoutGaleFrames(undefined)).toBeUndefined();
});

it('logs the stack of an error once at the error level, without gale frames; repeats log theirs at debug', () => {
  const { log, lines, at } = errorLog();
  for (let i = 0; i < 3; i++) {
    at(i * 2000); // past the rate limit each time: every report is logged
    log.report('split', 3, thrown(`cannot parse line ${i}`));
  }
  const stacks = lines.filter((l) => l.msg === 'component error stack');
  expect(stacks.map((l) => l.level)).toEqual(['error', 'debug', 'debug']);
  const first = stacks[0]!.obj as { stack: string; source: string };
  expect(first.stack).not.toContain('packages/runtime/dist');
  expect(first.stack).not.toContain('@gale/');
  expect(first.stack).toContain(USER);
  expect(first.source).toBe('/home/me/proj/wc.ts:42:11');
  expect(lines.filter((l) => l.msg === 'component error').map((l) => l.level)).toEqual(['error', 'error', 'error']);
  expect(log.list('split')[0]!.stack).not.toContain('chunk-D2D56DV2');
  // Another error of the same component is a first occurrence of its own.
  log.report('split', 3, thrown('redis said NOPERM'));
  expect(lines.filter((l) => l.msg === 'component error stack').at(-1)!.level).toBe('error');
});

it('an error reported after the close is logged at once, even one the rate limit would have left out', () => {
  const { log, lines, at } = errorLog();
  at(1);
  for (let i = 0; i < 10; i++) log.report('b', 2, new Error('cleanup failed: socket gone')); // the limit of this second
  log.close();
  const before = lines.length;
  at(2); // the same error within the same second: the rate limit would leave it out, and nothing would count it
  log.report('b', 2, new Error('cleanup failed: socket gone'));
  const late = lines.slice(before);
  expect(late).toEqual([expect.objectContaining({ level: 'warn', msg: 'component error after close', obj: expect.objectContaining({ component: 'b', task: 2, err: 'cleanup failed: socket gone' }) })]);
  expect(log.list('b')[0]!.count).toBe(11);
});
