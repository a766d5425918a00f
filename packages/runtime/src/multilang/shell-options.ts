import { Fields } from '../api/fields.js';
import type { OutputFieldsDeclarer, TopologyContext } from '../api/types.js';
import { TopologyError } from '../errors.js';

/** One output stream of a shell component: its field names, and whether it is direct. */
export interface ShellOutputStream {
  readonly fields: readonly string[];
  readonly direct?: boolean;
}

/** How to run a shell (multilang) component, and what it emits. */
export interface ShellComponentOptions {
  /** The program, e.g. `python3` (looked up on PATH) or an absolute path. */
  readonly command: string;
  /** Its arguments, e.g. `['split.py']` (relative to `cwd`). */
  readonly args?: readonly string[];
  /** Working directory of the subprocess; default the worker's. Use an absolute path in cluster mode. */
  readonly cwd?: string;
  /** Added to (and overriding) the worker's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Output streams by id: field names, or `{ fields, direct }`. The subprocess may emit only on
   * these (Storm declares them in Java for the same reason). Default: none.
   */
  readonly outputs?: Readonly<Record<string, readonly string[] | ShellOutputStream>>;
}

/** Options of a {@link ShellBolt}. */
export interface ShellBoltOptions extends ShellComponentOptions {
  /**
   * Most tuples sent to the subprocess and not yet acked or failed by it (Storm's
   * `topology.shellbolt.max.pending`); past it, tuples wait in the bolt's queue. Default 100.
   */
  readonly maxPendingTuples?: number;
}

export const DEFAULT_SHELL_MAX_PENDING = 100;

/**
 * Checks options when the component is declared: a missing command is a one-line
 * {@link TopologyError} (exit 2 from the CLI), not a failed spawn later.
 */
export function checkShellOptions(kind: 'ShellBolt' | 'ShellSpout', o: ShellBoltOptions): void {
  const where = `${kind}`;
  if (typeof o !== 'object' || o === null) throw new TopologyError('GALE_ERR_SHELL_COMMAND', `${where} needs options with a "command"`);
  if (typeof o.command !== 'string' || o.command.trim() === '') {
    throw new TopologyError('GALE_ERR_SHELL_COMMAND', `${where} needs a "command" (the program to run, e.g. "python3"), got ${JSON.stringify(o.command)}`);
  }
  if (o.args !== undefined && (!Array.isArray(o.args) || o.args.some((a) => typeof a !== 'string'))) {
    throw new TopologyError('GALE_ERR_SHELL_COMMAND', `${where} "${o.command}": "args" must be an array of strings`);
  }
  if (o.cwd !== undefined && (typeof o.cwd !== 'string' || o.cwd === '')) {
    throw new TopologyError('GALE_ERR_SHELL_COMMAND', `${where} "${o.command}": "cwd" must be a non-empty string`);
  }
  if (o.maxPendingTuples !== undefined && !(Number.isInteger(o.maxPendingTuples) && o.maxPendingTuples >= 1)) {
    throw new TopologyError('GALE_ERR_SHELL_COMMAND', `${where} "${o.command}": "maxPendingTuples" must be an integer >= 1, got ${o.maxPendingTuples}`);
  }
}

/** Declares the streams of `outputs`. */
export function declareShellOutputs(outputs: ShellComponentOptions['outputs'], declarer: OutputFieldsDeclarer): void {
  for (const [stream, decl] of Object.entries(outputs ?? {})) {
    const fields = Array.isArray(decl) ? (decl as readonly string[]) : (decl as ShellOutputStream).fields;
    const direct = Array.isArray(decl) ? false : (decl as ShellOutputStream).direct === true;
    declarer.declareStream(stream, new Fields([...fields]), direct);
  }
}

/** The command line, for messages: `python3 split.py`. */
export function commandLine(o: ShellComponentOptions): string {
  return [o.command, ...(o.args ?? [])].join(' ');
}

/**
 * The `context` of the handshake, with Storm's key names: this task, every task's component,
 * each component's tasks, and this component's streams and their fields.
 */
export function handshakeContext(ctx: TopologyContext, outputs: ShellComponentOptions['outputs']): Record<string, unknown> {
  const taskToComponent: Record<string, string> = {};
  const componentToTasks: Record<string, number[]> = {};
  for (const c of ctx.componentIds()) {
    const tasks = ctx.componentTasks(c);
    componentToTasks[c] = tasks;
    for (const t of tasks) taskToComponent[String(t)] = c;
  }
  const streamFields: Record<string, string[]> = {};
  for (const [stream, decl] of Object.entries(outputs ?? {})) {
    streamFields[stream] = [...(Array.isArray(decl) ? (decl as readonly string[]) : (decl as ShellOutputStream).fields)];
  }
  return {
    taskid: ctx.thisTaskId,
    componentid: ctx.thisComponentId,
    'task->component': taskToComponent,
    'component->tasks': componentToTasks,
    streams: Object.keys(streamFields),
    'stream->outputfields': streamFields,
    topologyname: ctx.topologyName,
  };
}
