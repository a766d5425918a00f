/**
 * Messages a subprocess sends, checked at the boundary (it is another program's output): each
 * JSON value becomes a typed {@link ShellCommand} or a {@link ProtocolViolation} naming what is
 * wrong. Field names and defaults are Storm's multilang protocol.
 */

/** Storm's log levels in a `log` command (`level`; absent: info). */
export const SHELL_LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type ShellLogLevel = (typeof SHELL_LOG_LEVELS)[number];

export interface EmitCommand {
  readonly command: 'emit';
  readonly tuple: unknown[];
  /** `stream`; absent: `default`. */
  readonly stream: string;
  /** `task` for a direct emit; absent (or Storm's 0): an ordinary emit. */
  readonly task: number | undefined;
  /** Bolt: ids of input tuples to anchor to. */
  readonly anchors: readonly string[];
  /** Spout: the message id (`id`); absent or null: untracked. */
  readonly id: string | number | undefined;
  /** Reply with the receiving task ids; absent: true (Storm's adapters read a reply to every non-direct emit). */
  readonly needTaskIds: boolean;
}

export type ShellCommand =
  | EmitCommand
  | { readonly command: 'ack' | 'fail'; readonly id: string }
  | { readonly command: 'sync' }
  | { readonly command: 'log'; readonly msg: string; readonly level: ShellLogLevel }
  | { readonly command: 'error'; readonly msg: string }
  | { readonly command: 'metrics'; readonly name: string; readonly params: unknown };

/** The subprocess broke the protocol; `reason` says how (the caller adds who and the offending text). */
export class ProtocolViolation extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The handshake reply `{"pid": 1234}`. */
export function parsePidReply(value: unknown): number {
  if (!isObject(value) || !Number.isInteger(value.pid) || (value.pid as number) <= 0) {
    throw new ProtocolViolation('the handshake reply must be {"pid": <positive integer>}');
  }
  return value.pid as number;
}

function idOf(value: Record<string, unknown>, command: string): string {
  const id = value.id;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw new ProtocolViolation(`"${command}" needs an "id" (the id of the tuple it received)`);
}

function parseEmit(v: Record<string, unknown>, role: 'bolt' | 'spout'): EmitCommand {
  if (!Array.isArray(v.tuple)) throw new ProtocolViolation('"emit" needs a "tuple" array');
  const stream = v.stream ?? 'default';
  if (typeof stream !== 'string' || stream === '') throw new ProtocolViolation('"emit" has a "stream" that is not a non-empty string');
  let task: number | undefined;
  if (v.task !== undefined && v.task !== null && v.task !== 0) {
    if (!Number.isInteger(v.task)) throw new ProtocolViolation('"emit" has a "task" that is not an integer');
    task = v.task as number;
  }
  const anchors: string[] = [];
  // Storm's reader also takes one anchor id as a bare string.
  const rawAnchors = typeof v.anchors === 'string' ? [v.anchors] : v.anchors;
  if (rawAnchors !== undefined && rawAnchors !== null) {
    if (!Array.isArray(rawAnchors)) throw new ProtocolViolation('"emit" has "anchors" that are not an array of tuple ids');
    for (const a of rawAnchors as unknown[]) {
      if (typeof a === 'string') anchors.push(a);
      else if (typeof a === 'number' && Number.isFinite(a)) anchors.push(String(a));
      else throw new ProtocolViolation('"emit" has an anchor that is not a tuple id');
    }
    if (role === 'spout' && anchors.length > 0) throw new ProtocolViolation('a spout\'s "emit" cannot have anchors');
  }
  let id: string | number | undefined;
  if (role === 'spout' && v.id !== undefined && v.id !== null) {
    if (typeof v.id !== 'string' && !(typeof v.id === 'number' && Number.isFinite(v.id))) {
      throw new ProtocolViolation('a spout\'s "emit" has an "id" that is not a string or number');
    }
    id = v.id;
  }
  const need = v.need_task_ids ?? true;
  if (typeof need !== 'boolean') throw new ProtocolViolation('"emit" has a "need_task_ids" that is not true or false');
  return { command: 'emit', tuple: v.tuple as unknown[], stream, task, anchors, id, needTaskIds: need };
}

function parseLevel(level: unknown): ShellLogLevel {
  if (level === undefined || level === null) return 'info';
  if (typeof level === 'number' && Number.isInteger(level) && level >= 0 && level < SHELL_LOG_LEVELS.length) return SHELL_LOG_LEVELS[level]!;
  throw new ProtocolViolation('"log" has a "level" that is not 0 (trace) to 4 (error)');
}

/** A message from a bolt's or spout's subprocess after the handshake. */
export function parseShellCommand(value: unknown, role: 'bolt' | 'spout'): ShellCommand {
  if (!isObject(value)) throw new ProtocolViolation('a message must be a JSON object with a "command"');
  const command = value.command;
  switch (command) {
    case 'emit':
      return parseEmit(value, role);
    case 'ack':
    case 'fail':
      if (role === 'spout') throw new ProtocolViolation(`a spout cannot send "${command}"`);
      return { command, id: idOf(value, command) };
    case 'sync':
      return { command };
    case 'log':
      if (typeof value.msg !== 'string') throw new ProtocolViolation('"log" needs a "msg" string');
      return { command, msg: value.msg, level: parseLevel(value.level) };
    case 'error':
      if (typeof value.msg !== 'string') throw new ProtocolViolation('"error" needs a "msg" string');
      return { command, msg: value.msg };
    case 'metrics':
      if (typeof value.name !== 'string' || value.name === '') throw new ProtocolViolation('"metrics" needs a "name" string');
      return { command, name: value.name, params: value.params };
    default:
      throw new ProtocolViolation(typeof command === 'string' ? `unknown command "${command}"` : 'a message must have a "command" string');
  }
}
