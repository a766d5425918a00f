import type { Values } from '../api/types.js';
import { DEFAULT_STREAM } from '../api/types.js';
import { ComponentError } from '../errors.js';
import type { ExecutorBase } from './executor-base.js';
import type { ExecutorHost } from './host.js';
import { TaskMetrics } from './metrics.js';
import { fanOutShared, type OutRoute, type Sender } from './router.js';
import { untrackedTuple, type TupleImpl } from './tuple.js';

/** What spout and bolt tasks share: their routes, the checks on every emit, control sends, errors. */
export abstract class TaskBase {
  readonly metrics = new TaskMetrics();
  /** Routes per output stream, user streams only (control streams are kept apart below). */
  readonly routes = new Map<string, OutRoute>();
  defaultRoute: OutRoute | undefined;
  /** A user task's control streams (declared on it by system components), by stream id. */
  private readonly controlRoutes = new Map<string, OutRoute>();
  /** Set while {@link captureTargets} runs: data sends go through it and record their target tasks. */
  private recorder: RecordingSender | null = null;
  /** Values handed to a control chooser on the tuple-less path (choosers never keep them). */
  private readonly controlScratch: number[] = [0, 0, 0];
  /** The route of the last {@link emitDirect2} (a system task emits it on one stream). */
  private direct2Route: OutRoute | undefined;
  /**
   * False while a retriable open()/prepare() failure waits for its retry (task-open-retry.ts): a
   * spout task is asked for nothing, a bolt task's executor runs nothing, and neither is closed.
   */
  opened = true;

  constructor(
    readonly host: ExecutorHost,
    readonly exec: ExecutorBase,
    readonly component: string,
    readonly taskId: number,
  ) {}

  /**
   * Installs the task's routes. A user task's control streams (the acker's `__ack_*`) are kept out
   * of `routes`, so user code cannot emit on them; the subclass picks the ones its collector sends
   * on. A system task's own outputs are control streams it emits on through its collector.
   */
  setRoutes(all: ReadonlyMap<string, OutRoute>, systemTask: boolean): void {
    for (const [id, r] of all) {
      if (r.ref.control && !systemTask) {
        this.controlRoutes.set(id, r);
        this.controlRoute(id, r);
      } else this.routes.set(id, r);
    }
    this.defaultRoute = this.routes.get(DEFAULT_STREAM);
  }

  /** A control stream of this user task (e.g. `__ack_ack`), for the subclass's own sends. */
  protected abstract controlRoute(streamId: string, route: OutRoute): void;

  /** {@link ControlEmitter}: sends on a control stream a system component declared on this task. */
  emitControl(streamId: string, values: readonly unknown[]): void {
    const route = this.controlRoutes.get(streamId);
    if (route === undefined) {
      throw new ComponentError('GALE_ERR_UNDECLARED_STREAM', `component "${this.component}" has no control stream "${streamId}" (no system component declares it)`);
    }
    this.sendControl(route, values);
  }

  /**
   * {@link TargetCapture}: runs `emit` (one or more emits of this task) and returns the task ids
   * its data tuples were sent to, in send order. Storm's `emit` returns them; a multilang
   * subprocess asks for them (`need_task_ids`). Costs nothing when not used: only emits inside
   * `emit` go through the recorder.
   */
  captureTargets(emit: () => void): number[] {
    const out: number[] = [];
    const prev = this.recorder;
    this.recorder = new RecordingSender(this.exec, out);
    try {
      emit();
    } finally {
      this.recorder = prev;
    }
    return out;
  }

  /** Where data tuples of this task go: its executor, through the recorder while one is set. */
  protected get dataSender(): Sender {
    return this.recorder ?? this.exec;
  }

  route(streamId: string): OutRoute {
    const r = streamId === DEFAULT_STREAM ? this.defaultRoute : this.routes.get(streamId);
    if (r === undefined) {
      throw new ComponentError('GALE_ERR_UNDECLARED_STREAM', `component "${this.component}" emitted on stream "${streamId}", which it did not declare in declareOutputFields (declared: ${[...this.routes.keys()].filter((k) => !k.startsWith('__')).join(', ') || 'none'})`);
    }
    return r;
  }

  /** Checks one emit's values (throws) and counts it as emitted (the hot path: {@link checkShape}'s checks inline). */
  checkValues(route: OutRoute, values: Values, direct: boolean): void {
    if (!Array.isArray(values) || values.length !== route.ref.fields.size || route.direct !== direct) this.checkShape(route, values, direct);
    this.metrics.emitted++;
    if (this.host.onEmit !== undefined && !route.ref.control) this.host.onEmit(this.component, route.ref.id, values, this.taskId);
  }

  /** Counts one checked emit (and shows it to the `onEmit` hook). */
  protected countEmit(route: OutRoute, values: Values): void {
    this.metrics.emitted++;
    if (this.host.onEmit !== undefined && !route.ref.control) this.host.onEmit(this.component, route.ref.id, values, this.taskId);
  }

  /** {@link checkValues} without counting: a group of emits is checked whole before any of it goes. */
  protected checkShape(route: OutRoute, values: Values, direct: boolean): void {
    if (!Array.isArray(values)) {
      throw new ComponentError('GALE_ERR_BAD_VALUES', `component "${this.component}" emitted ${typeof values} on stream "${route.ref.id}"; emit an array of values`);
    }
    if (values.length !== route.ref.fields.size) {
      throw new ComponentError('GALE_ERR_ARITY', `component "${this.component}" emitted ${values.length} values on stream "${route.ref.id}", which declares ${route.ref.fields.size} fields ${route.ref.fields}`);
    }
    if (route.direct !== direct) {
      throw new ComponentError('GALE_ERR_DIRECT_MISMATCH', direct
        ? `component "${this.component}" used emitDirect on stream "${route.ref.id}", which is not declared direct`
        : `component "${this.component}" used emit on direct stream "${route.ref.id}"; use emitDirect`);
    }
  }

  checkDirect(route: OutRoute, taskId: number): void {
    if (route.directTargets === null || !route.directTargets.has(taskId)) {
      throw new ComponentError('GALE_ERR_BAD_DIRECT_TASK', `component "${this.component}" emitDirect to task ${taskId} on stream "${route.ref.id}", but no direct-grouped subscriber has that task (valid: ${[...(route.directTargets ?? [])].join(', ') || 'none'})`);
    }
  }

  /**
   * {@link ControlDirectEmitter}: emitDirect of `[a, b]` on control stream `streamId` of this
   * (system) task, tuple-less when the target is a local spout task (Transfer.controlToSpout);
   * otherwise the tuple emitDirect would send. Checked and counted as that emitDirect.
   */
  emitDirect2(taskId: number, streamId: string, a: number, b: number): void {
    let route = this.direct2Route;
    if (route === undefined || route.ref.id !== streamId) route = this.direct2Route = this.route(streamId);
    this.checkDirect(route, taskId);
    if (route.ref.control && this.host.transfer.controlToSpout(taskId, streamId, a, b)) {
      this.metrics.emitted++;
      this.metrics.transferred++;
    } else {
      const values = [a, b];
      this.checkValues(route, values, true);
      this.metrics.transferred += this.sendUntracked(route, values, taskId);
    }
    this.host.wake();
  }

  /** Untracked emit: one tuple per target (fanOutShared), all over the same values array; returns the deliveries. */
  protected sendUntracked(route: OutRoute, values: readonly unknown[], directTask: number): number {
    const tuple = untrackedTuple(values, route.ref, this.taskId);
    const only = route.only;
    if (only !== null && directTask < 0 && this.recorder === null) {
      // The fused route: one target task, straight to the executor (which runs it inline when free).
      this.exec.send(only.chooseOne(values), tuple);
      return 1;
    }
    return fanOutShared(route.ref.control ? this.host.transfer.control : this.dataSender, route, values, directTask, tuple);
  }

  /**
   * A control message (acker traffic) on one of this task's control streams: the same groupings
   * and transfer as data, without the fan-out bookkeeping (control routes have one single-target
   * chooser, and nothing is counted in the task's metrics).
   */
  protected sendControl(route: OutRoute, values: readonly unknown[]): void {
    const tuple = untrackedTuple(values, route.ref, this.taskId);
    const transfer = this.host.transfer;
    for (const c of route.choosers) {
      if (c.single) transfer.deliverControl(c.chooseOne(values), tuple);
      else for (const t of c.chooseMany(values)) transfer.deliverControl(t, tuple);
    }
  }

  /**
   * {@link sendControl} of `[a, b, c]` (the acker's ack and init): when the single target task
   * is local and free, its system bolt takes the numbers directly (no values array, no tuple
   * object, the same moment the tuple would have run inline); otherwise the tuple goes as usual.
   */
  protected sendControl3(route: OutRoute, a: number, b: number, c: number): void {
    const choosers = route.choosers;
    if (choosers.length === 1 && choosers[0]!.single) {
      const scratch = this.controlScratch;
      scratch[0] = a;
      scratch[1] = b;
      scratch[2] = c;
      const task = choosers[0]!.chooseOne(scratch);
      const transfer = this.host.transfer;
      if (!transfer.controlInline(task, route.ref.id, this.taskId, a, b, c)) {
        transfer.deliverControl(task, untrackedTuple([a, b, c], route.ref, this.taskId));
      }
      return;
    }
    this.sendControl(route, [a, b, c]);
  }

  /**
   * An ack `[root, hi, lo]` on `route` (the acker's `__ack_ack`, one single-target chooser by
   * root): XORed into the ack the transfer holds for the same tree, else held by it while a chain
   * of inline runs is on the stack (Transfer.holdAck), else sent as {@link sendControl3} does.
   */
  protected sendAck(route: OutRoute, root: number, hi: number, lo: number): void {
    const transfer = this.host.transfer;
    if (transfer.mergeAck(root, hi, lo)) return;
    const choosers = route.choosers;
    if (choosers.length === 1 && choosers[0]!.single) {
      const scratch = this.controlScratch;
      scratch[0] = root;
      scratch[1] = hi;
      scratch[2] = lo;
      const task = choosers[0]!.chooseOne(scratch);
      if (transfer.holdAck(task, route.ref, this.taskId, root, hi, lo)) return;
      if (!transfer.controlInline(task, route.ref.id, this.taskId, root, hi, lo)) {
        transfer.deliverControl(task, untrackedTuple([root, hi, lo], route.ref, this.taskId));
      }
      return;
    }
    this.sendControl(route, [root, hi, lo]);
  }

  reportError(err: unknown): void {
    this.metrics.errors++;
    this.host.reportError(this.component, this.taskId, err);
  }
}

/** A sender that records each target task before handing the tuple on. */
class RecordingSender implements Sender {
  constructor(private readonly inner: Sender, private readonly out: number[]) {}
  send(targetTask: number, tuple: TupleImpl): void {
    this.out.push(targetTask);
    this.inner.send(targetTask, tuple);
  }
}
