import type { OutputFieldsDeclarer, Spout, SpoutOutputCollector, TopologyContext } from '../api/types.js';
import { canCaptureTargets } from '../api/types.js';
import type { EmitCommand, ShellCommand } from './shell-messages.js';
import { ProtocolViolation } from './shell-messages.js';
import { checkShellOptions, declareShellOutputs, type ShellComponentOptions } from './shell-options.js';
import type { ShellProcess } from './shell-process.js';
import { ShellRunner } from './shell-runner.js';

/** A command to the subprocess and who waits for its `sync`. */
interface Command {
  readonly message: { readonly command: string; readonly id?: unknown };
  readonly done: (() => void) | undefined;
}

/**
 * A spout run as a subprocess speaking Storm's multilang protocol (docs/multilang.md). Like
 * Storm's ShellSpout it is strictly sequential: one command at a time (`next`, `ack`, `fail`,
 * `activate`, `deactivate`), each answered by `sync` after the emits it caused. `nextTuple`
 * resolves at the `sync` of its `next`; acks and fails that arrive meanwhile wait their turn.
 * A subprocess owing a `sync` longer than `shellHeartbeatTimeoutMs` is killed and restarted.
 *
 * Message ids (`id` of an emit) come back in `ack`/`fail` as the subprocess sent them. After a
 * restart the new subprocess may be told of ids the old one emitted: it should ignore unknown ids.
 */
export class ShellSpout extends ShellRunner implements Spout {
  private collector!: SpoutOutputCollector;
  private queue: Command[] = [];
  private inFlight: Command | undefined;
  /** The last `next` emitted nothing: let the executor's spout wait run before asking again. */
  private idle = false;
  private emittedSinceNext = 0;

  constructor(readonly options: ShellComponentOptions) {
    checkShellOptions('ShellSpout', options);
    super(options, 'spout');
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareShellOutputs(this.options.outputs, declarer);
  }

  async open(context: TopologyContext, collector: SpoutOutputCollector): Promise<void> {
    this.collector = collector;
    await this.startFirst(context, collector);
  }

  nextTuple(): void | Promise<void> {
    if (!this.up || this.inFlight !== undefined || this.queue.length > 0) return undefined;
    if (this.idle) {
      this.idle = false; // one executor spout-wait, then ask again
      return undefined;
    }
    return new Promise<void>((resolve) => this.command({ command: 'next' }, resolve));
  }

  ack(messageId: unknown): void {
    if (this.up) this.command({ command: 'ack', id: messageId });
  }

  fail(messageId: unknown): void {
    if (this.up) this.command({ command: 'fail', id: messageId });
  }

  activate(): void {
    if (this.up) this.command({ command: 'activate' });
  }

  deactivate(): void {
    if (this.up) this.command({ command: 'deactivate' });
  }

  async close(): Promise<void> {
    await this.stopShell();
  }

  private command(message: Command['message'], done?: () => void): void {
    this.queue.push({ message, done });
    this.pump();
  }

  /** Sends the next queued command when none is waiting for its `sync`. */
  private pump(): void {
    const p = this.proc;
    if (p === undefined || this.inFlight !== undefined) return;
    const c = this.queue.shift();
    if (c === undefined) return;
    this.inFlight = c;
    this.emittedSinceNext = 0;
    this.awaitingSince = performance.now();
    p.write(c.message);
  }

  protected handle(cmd: ShellCommand, p: ShellProcess): void {
    if (cmd.command === 'emit') {
      this.emit(cmd, p);
      return;
    }
    if (cmd.command !== 'sync') throw new ProtocolViolation(`a spout cannot send "${cmd.command}"`);
    const c = this.inFlight;
    if (c === undefined) throw new ProtocolViolation('"sync" with no command to answer');
    this.inFlight = undefined;
    this.awaitingSince = null;
    if (c.message.command === 'next') this.idle = this.emittedSinceNext === 0;
    c.done?.();
    this.pump();
  }

  private emit(cmd: EmitCommand, p: ShellProcess): void {
    const c = this.collector;
    this.emittedSinceNext++;
    if (cmd.task !== undefined) {
      c.emitDirect(cmd.task, cmd.tuple, cmd.id, cmd.stream);
      return;
    }
    if (!cmd.needTaskIds) {
      c.emitStream(cmd.stream, cmd.tuple, cmd.id);
      return;
    }
    const tasks = canCaptureTargets(c) ? c.captureTargets(() => c.emitStream(cmd.stream, cmd.tuple, cmd.id)) : (c.emitStream(cmd.stream, cmd.tuple, cmd.id), []);
    p.write(tasks);
  }

  protected onUp(): void {
    this.idle = false;
    this.pump();
  }

  /** The subprocess is gone: commands meant for it are dropped, and a waiting nextTuple returns. */
  protected onDown(): void {
    const all = this.inFlight === undefined ? this.queue : [this.inFlight, ...this.queue];
    this.inFlight = undefined;
    this.queue = [];
    for (const c of all) c.done?.();
  }

  protected heartbeat(): void {
    // A spout's liveness is the `sync` of each command (awaitingSince), not a heartbeat tuple.
  }
}
