/**
 * Where a component error came from, out of its stack trace: pure text work, so the engine can
 * attach it to every reported error. The stack is source-mapped by V8 when the process enabled
 * source maps (the CLI and worker-main do), so frames name the topology's .ts file and line.
 */

const MAX_STACK_CHARS = 4000;

/** A frame's location: `at fn (loc)` or `at loc`; loc is `path:line:col` or `file://...:line:col`. */
const FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?\/[^()]*?|[A-Za-z]:\\[^()]*?):(\d+):(\d+)\)?\s*$/;

/** gale's own code: built, installed (`@gale/...`) or, under jest, from source. */
const GALE = /\/@gale\/|\/packages\/(runtime|spout-kit|bolt-kit)\/(dist|src)\/(?!.*__tests__)/;

/** gale's own code and installed packages: never the user's line. */
const NOT_USER = new RegExp(`/node_modules/|${GALE.source}`);

/** The stack of `err` (capped), or undefined for a thrown non-Error or an Error without one. */
export function errorStack(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  let stack: unknown;
  try {
    stack = err.stack;
  } catch {
    return undefined; // a throwing getter: still report the error
  }
  return typeof stack === 'string' && stack.length > 0 ? stack.slice(0, MAX_STACK_CHARS) : undefined;
}

/** `path:line:col` of the first frame in user code, file URLs turned into paths. */
export function userFrame(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    let file = m[1]!;
    if (file.startsWith('file://')) {
      try {
        file = decodeURIComponent(file.slice('file://'.length));
      } catch {
        continue;
      }
    }
    if (NOT_USER.test(file)) continue;
    return `${file}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/**
 * `stack` without the frames in gale's own code (the executor loop that called the component):
 * what a log line or `gale status` shows names the user's code, node and its libraries only. The
 * message line and every other frame stay as they were.
 */
export function withoutGaleFrames(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  return stack.split('\n').filter((line) => {
    const m = FRAME.exec(line);
    return m === null || !GALE.test(m[1]!);
  }).join('\n');
}
