import type { Bolt, OutputCollector, OutputFieldsDeclarer, TopologyContext, Tuple } from '../api/types.js';
import { canCaptureTargets, SYSTEM_COMPONENT } from '../api/types.js';
import { ShellError } from './shell-errors.js';
import type { EmitCommand, ShellCommand } from './shell-messages.js';
import { ProtocolViolation } from './shell-messages.js';
import { checkShellOptions, declareShellOutputs, DEFAULT_SHELL_MAX_PENDING, type ShellBoltOptions } from './shell-options.js';
import type { ShellProcess } from './shell-process.js';
import { ShellRunner } from './shell-runner.js';

/** Stream of the heartbeat tuples a shell bolt's subprocess must answer with `sync` (Storm's). */
export const HEARTBEAT_STREAM = '__heartbeat';

/** A subprocess with no heartbeat owed gets a new one this often (ms), within its timeout. */
const HEARTBEAT_EVERY_MS = 1000;

/**
 * A bolt run as a subprocess speaking Storm's multilang protocol (docs/multilang.md): gale sends
 * each input tuple (`id`, `comp`, `stream`, `task`, `tuple`); the subprocess emits (anchored to
 * input ids), acks and fails them, asynchronously. Declare its output streams in `outputs`:
 *
 * ```ts
 * b.setBolt('split', new ShellBolt({ command: 'python3', args: ['split.py'], cwd: dir, outputs: { default: ['word'] } }), 2)
 *   .shuffleGrouping('lines');
 * ```
 *
 * At most `maxPendingTuples` tuples are at the subprocess (sent, not acked or failed), and none is
 * written while its stdin pipe is full: the rest wait in the bolt's queue (backpressure). If the
 * subprocess exits, hangs or breaks the protocol, the error is reported, its pending tuples are
 * failed (their spouts replay them) and it is restarted with backoff.
 */
export class ShellBolt extends ShellRunner implements Bolt {
  private collector!: OutputCollector;
  /** Input tuples at the subprocess, by the id it was given. */
  private pending = new Map<string, Tuple>();
  private nextId = 0;
  private readonly maxPending: number;
  private lastHeartbeatAt = 0;
  /** Executes waiting for room (pending under the cap); each re-checks when woken. */
  private roomWaiters: (() => void)[] = [];

  constructor(readonly options: ShellBoltOptions) {
    checkShellOptions('ShellBolt', options);
    super(options, 'bolt');
    this.maxPending = options.maxPendingTuples ?? DEFAULT_SHELL_MAX_PENDING;
  }

  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareShellOutputs(this.options.outputs, declarer);
  }

  async prepare(context: TopologyContext, collector: OutputCollector): Promise<void> {
    this.collector = collector;
    await this.startFirst(context, collector);
  }

  /**
   * Sends the tuple and returns at once while there is room; otherwise returns a promise that
   * settles when there is (the executor runs no other execute meanwhile, so its queue holds).
   */
  execute(tuple: Tuple): void | Promise<void> {
    const p = this.proc;
    if (p === undefined || this.pending.size >= this.maxPending) return this.sendLater(tuple);
    if (!this.send(p, tuple)) return p.drained();
    return undefined;
  }

  private async sendLater(tuple: Tuple): Promise<void> {
    // Re-checked after every wait: the subprocess may fail or the bolt close meanwhile.
    for (;;) {
      const p = this.proc;
      if (p !== undefined && this.pending.size < this.maxPending) {
        if (!this.send(p, tuple)) await p.drained();
        return;
      }
      if (p === undefined) {
        if (!(await this.whenUp())) {
          this.collector.fail(tuple); // closing: its spout replays it elsewhere or later
          return;
        }
        continue;
      }
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
  }

  /** Writes the tuple; false when the pipe is now full. */
  private send(p: ShellProcess, tuple: Tuple): boolean {
    const id = String(++this.nextId);
    let ok: boolean;
    try {
      ok = p.write({ id, comp: tuple.sourceComponent, stream: tuple.sourceStreamId, task: tuple.sourceTask, tuple: tuple.values });
    } catch (err) {
      // A value JSON cannot carry (a BigInt, a cycle): this tuple fails, the subprocess is fine.
      this.collector.reportError(new ShellError('GALE_ERR_SHELL_PROTOCOL', `${p.who}: cannot send a tuple from "${tuple.sourceComponent}" stream "${tuple.sourceStreamId}" as JSON: ${(err as Error).message}`, { cause: err }));
      this.collector.fail(tuple);
      return true;
    }
    this.pending.set(id, tuple);
    return ok;
  }

  protected handle(cmd: ShellCommand, p: ShellProcess): void {
    switch (cmd.command) {
      case 'emit':
        this.emit(cmd, p);
        return;
      case 'ack':
      case 'fail': {
        const t = this.pending.get(cmd.id);
        if (t === undefined) throw new ProtocolViolation(`${cmd.command} of tuple id "${cmd.id}", which is not pending (never sent, or already acked or failed)`);
        this.pending.delete(cmd.id);
        if (cmd.command === 'ack') this.collector.ack(t);
        else this.collector.fail(t);
        this.room();
        return;
      }
      case 'sync':
        this.awaitingSince = null; // the answer to the heartbeat
        return;
    }
  }

  private emit(cmd: EmitCommand, p: ShellProcess): void {
    const anchors: Tuple[] = [];
    for (const id of cmd.anchors) {
      const t = this.pending.get(id);
      if (t === undefined) throw new ProtocolViolation(`emit anchored to tuple id "${id}", which is not pending (never sent, or already acked or failed)`);
      anchors.push(t);
    }
    const c = this.collector;
    if (cmd.task !== undefined) {
      c.emitDirect(cmd.task, cmd.tuple, anchors, cmd.stream);
      return; // Storm sends no task ids for a direct emit
    }
    if (!cmd.needTaskIds) {
      c.emitStream(cmd.stream, cmd.tuple, anchors);
      return;
    }
    const tasks = canCaptureTargets(c) ? c.captureTargets(() => c.emitStream(cmd.stream, cmd.tuple, anchors)) : (c.emitStream(cmd.stream, cmd.tuple, anchors), []);
    p.write(tasks);
  }

  private room(): void {
    if (this.roomWaiters.length > 0 && this.pending.size < this.maxPending) for (const w of this.roomWaiters.splice(0)) w();
  }

  protected onUp(): void {
    this.lastHeartbeatAt = performance.now();
    this.room();
  }

  /** The subprocess is gone: what it had is failed, so the spouts replay it. */
  protected onDown(): void {
    const tuples = [...this.pending.values()];
    this.pending.clear();
    for (const t of tuples) {
      try {
        this.collector.fail(t);
      } catch (err) {
        this.log.warn({ err }, 'could not fail a tuple of a stopped shell subprocess');
      }
    }
    this.room();
  }

  protected heartbeat(p: ShellProcess, now: number): void {
    if (this.awaitingSince !== null || now - this.lastHeartbeatAt < Math.min(HEARTBEAT_EVERY_MS, this.timeoutMs / 2)) return;
    this.lastHeartbeatAt = now;
    this.awaitingSince = now;
    p.write({ id: `hb-${++this.nextId}`, comp: SYSTEM_COMPONENT, stream: HEARTBEAT_STREAM, task: -1, tuple: [] });
  }

  async cleanup(): Promise<void> {
    await this.stopShell();
  }
}
