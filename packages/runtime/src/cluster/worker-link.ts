import { DEAD_LETTER_STREAM } from '../api/types.js';
import type { Engine } from '../engine/engine.js';
import { ACK_ACK_STREAM, ACK_FAIL_STREAM, ACK_OUTCOME_STREAM } from '../engine/acker.js';
import { executorTaskRanges } from '../engine/engine.js';
import type { RemoteLink } from '../engine/remote.js';
import { TreeOutcome, unsendableOutcome } from '../engine/tree-outcome.js';
import type { TupleImpl } from '../engine/tuple.js';
import { nodeClock } from '../local/node-ports.js';
import type { Logger } from '../log.js';
import { checkTupleRecord, FrameType, PeerClient, PeerServer, type EpochVerifier, type Frame, type PeerFeature, type TlsMaterial, type TupleRecord } from '../transport/index.js';
import { LimitedLog } from './limited-log.js';
import { Hop, hopTrace, stampHop } from '../hop-trace.js';
import type { Assignment, WorkerAssignment } from './model.js';
import type { PeerRoutes } from './peer-routes.js';
import type { TransportStats } from '../api/stats.js';

/** Backlog of network tuples waiting for local queues above which reading from peers pauses. */
const INBOUND_HIGH = 8192;
const INBOUND_LOW = 1024;

/**
 * Most control tuples held for one peer whose buffer is full (about 100 bytes each). A peer that
 * stays unreachable while still assigned would otherwise grow the queue at the ack rate; past the
 * cap new ones are dropped (counted, logged once per episode): their trees time out and replay.
 */
const MAX_CONTROL_QUEUED = 262_144;
/**
 * Most re-sent dead letters held for one peer whose buffer is full. Their own queue, sent after the
 * control queue: a flood of them must not crowd acker messages out of theirs (nor turn off the ack
 * fast path); past the cap each is logged as lost, with its message id.
 */
const MAX_DEAD_LETTERS_QUEUED = 1024;

/** A control tuple for a peer, as PeerClient.sendTuple takes it: target, source, stream index, values, anchors. */
type ControlRecord = [targetTask: number, sourceTask: number, stream: number, values: unknown[], anchors: null];

export interface WorkerLinkOptions {
  /** This worker: its supervisor and slot port, and where it listens. */
  readonly supervisor: string;
  readonly host: string;
  readonly port: number;
  readonly topology: string;
  readonly secret: string;
  /** TLS for the peer server and every peer client (`wss`), when the cluster has certificates. */
  readonly tls?: TlsMaterial;
  /** This launch's epoch, from ZooKeeper (peers refuse an older one, and one their registry does not list). */
  readonly epoch: number;
  /** Checks a connecting peer's claimed epoch against the one its heartbeat publishes (cluster/peer-epochs.ts). */
  readonly verifyEpoch?: EpochVerifier;
  /** Test-only: dial these peers elsewhere (a fault proxy), see peer-routes.ts. */
  readonly peerRoutes?: PeerRoutes;
  /** Test-only: the protocol features this worker announces (default all); `[]` acts as a worker that predates them. */
  readonly features?: readonly PeerFeature[];
  readonly log: Logger;
}

/**
 * The engine's {@link RemoteLink} in a worker: a PeerServer for what other workers send here, a
 * PeerClient per peer worker for what goes there (task → peer from the assignment), per-peer
 * queues so control tuples (acker traffic) are never refused, and backpressure across workers
 * (stop reading from the network while local queues are full).
 */
export class WorkerLink implements RemoteLink {
  private engine!: Engine;
  private server: PeerServer | undefined;
  private readonly clients = new Map<string, PeerClient>();
  /** Clients whose open connection dropped and has not reopened (engine/crash-reports.ts). */
  private readonly down = new Set<PeerClient>();
  /** Task id → the client of the worker that runs it (undefined: local). */
  private clientOfTask: (PeerClient | undefined)[] = [];
  /**
   * Control tuples a peer's full buffer refused, per peer, in order; resent when that peer drains.
   * Per peer so one slow or absent peer never holds back acks to the others.
   */
  private readonly control = new Map<PeerClient, ControlRecord[]>();
  /** Re-sent dead letters a peer's full buffer refused, per peer, in order; sent after that peer's control queue. */
  private readonly deadLetters = new Map<PeerClient, ControlRecord[]>();
  private backpressureTimer: NodeJS.Timeout | undefined;
  private paused = false;
  /** Control tuples dropped (no route to their task, or over MAX_CONTROL_QUEUED); for the logs. */
  private controlDropped = 0;
  /** For metrics: peer connections re-opened, and frames/handshakes refused or dropped. */
  private readonly counts: TransportStats = { reconnects: 0, rejectedFrames: 0 };
  /** Tuples for a task not here whose trees were failed at once (for the logs). */
  refusedFailed = 0;
  /** Per-tuple warnings: a peer sending to a moved task must not write a line per record. */
  private readonly limited: LimitedLog;
  /** Peers whose last handshake announced outcome 9 (`failed-stopped`); the others get 2 instead (auth.ts PEER_FEATURES). */
  private readonly knowStopped = new WeakSet<PeerClient>();

  constructor(private readonly o: WorkerLinkOptions) {
    this.limited = new LimitedLog(o.log, nodeClock);
  }

  private get workerId(): string {
    return `${this.o.supervisor}-${this.o.port}`;
  }

  /** Binds the engine (built with this link in its placement) and starts listening on the slot port. */
  async listen(engine: Engine): Promise<void> {
    this.engine = engine;
    this.server = await PeerServer.listen({
      host: loopbackName(this.o.host), port: this.o.port, secret: this.o.secret, topology: this.o.topology,
      workerId: this.workerId, epoch: this.o.epoch, onFrame: (_peer, frame) => this.onFrame(frame), log: this.o.log,
      ...(this.o.verifyEpoch ? { verifyEpoch: this.o.verifyEpoch } : {}),
      ...(this.o.tls ? { tls: this.o.tls } : {}), ...(this.o.features ? { features: this.o.features } : {}),
    });
    this.server.on('frame.error', () => void this.counts.rejectedFrames++);
    this.server.on('peer.refused', () => void this.counts.rejectedFrames++);
  }

  /** Transport counters since this worker started. */
  transportStats(): TransportStats {
    return { ...this.counts };
  }

  sendTuple(task: number, tuple: TupleImpl): boolean {
    const c = this.clientOfTask[task];
    if (tuple.stream.control) {
      // The common case, an ack to an open peer with nothing queued for it, without building a record.
      if (tuple.stream.id === ACK_ACK_STREAM && c !== undefined && c.state !== 'closed' && this.control.size === 0 && sendAck(c, task, tuple)) return true;
      this.sendControl(c, [task, tuple.sourceTask, tuple.stream.index, this.controlValues(c, tuple), null]);
      return true;
    }
    if (c === undefined || c.state === 'closed') return false;
    try {
      return c.sendTuple(task, tuple.sourceTask, tuple.stream.index, tuple.values, tuple.anchors);
    } catch (err) {
      // A value the wire cannot carry (FrameError): report it at the emitter and fail the
      // tuple's trees now, with the reason, instead of crashing the worker or waiting for the timeout.
      this.engine.reportError(tuple.stream.component, tuple.sourceTask, err);
      if (tuple.stream.id === DEAD_LETTER_STREAM) this.resendDeadLetter(c, task, tuple.sourceTask, tuple.stream.index, tuple.values);
      else this.engine.failUnsendable(tuple, unsendableOutcome((err as { code?: unknown }).code));
      return true;
    }
  }

  /** The engine's run ended: partial batches go out now, in this turn's socket write, not after the 1 ms flush timer. */
  endOfRun(): void {
    for (const c of this.clients.values()) if (c.state === 'open') c.flush();
  }

  /** Task → peer client, from the assignment; clients for workers no longer in it are closed. */
  route(assignment: Assignment): void {
    const owner: (PeerClient | undefined)[] = [];
    const wanted = new Set<string>();
    for (const w of assignment.workers) {
      const self = w.supervisor === this.o.supervisor && w.port === this.o.port;
      const id = `${w.host}:${w.port}`;
      let client: PeerClient | undefined;
      if (!self) {
        wanted.add(id);
        client = this.clients.get(id) ?? this.connect(w);
      }
      for (const key of w.executors) {
        const i = key.lastIndexOf('#');
        const component = key.slice(0, i);
        const index = Number(key.slice(i + 1));
        const tasks = this.engine.tasksOf.get(component);
        if (tasks === undefined) continue;
        for (const t of executorTaskRanges(tasks, assignment.parallelism[component] ?? this.engine.parallelismOf(component))[index] ?? []) owner[t] = client;
      }
    }
    for (const [id, c] of this.clients) {
      if (!wanted.has(id)) {
        // The peer moved away: what we still hold for it is lost; those trees time out and replay.
        const dropped = this.control.get(c)?.length ?? 0;
        if (dropped > 0) this.o.log.warn({ peer: id, dropped }, 'acker messages for a removed peer dropped; their trees will replay');
        this.control.delete(c);
        for (const rec of this.deadLetters.get(c) ?? []) this.deadLetterLost(rec[0], rec[1], rec[2], rec[3], 'its subscriber\'s worker left the assignment');
        this.deadLetters.delete(c);
        this.clients.delete(id);
        this.setDown(c, false);
        void c.close();
      }
    }
    this.clientOfTask = owner;
    this.engine.wake();
  }

  private connect(w: WorkerAssignment): PeerClient {
    const address = { host: loopbackName(w.host), port: w.port };
    const c = new PeerClient({
      address: this.o.peerRoutes?.get(`${address.host}:${address.port}`) ?? address,
      secret: this.o.secret, topology: this.o.topology, workerId: this.workerId, epoch: this.o.epoch, log: this.o.log,
      ...(this.o.tls ? { tls: this.o.tls } : {}),
    });
    const ready = (): void => {
      this.flushControl(c);
      this.engine.wake();
    };
    c.on('drain', ready);
    // A lost peer times out the trees pending until it is back: those timeouts are not charged to
    // maxRetries (engine/crash-reports.ts); a peer that crashed reports the trees it was executing.
    c.on('disconnect', () => this.setDown(c, true));
    let opened = false;
    c.on('open', ({ features }) => {
      if (opened) this.counts.reconnects++;
      opened = true;
      if (features.has('failed-stopped' satisfies PeerFeature)) this.knowStopped.add(c);
      else this.knowStopped.delete(c);
      this.setDown(c, false);
      ready();
    });
    // A record taken but then found unsendable when its batch was encoded (alone over the frame
    // limit, or unencodable): its trees fail now with that reason; without this they timed out
    // and were dead-lettered as "timed-out", hiding the cause.
    c.on('dropped', ({ records, error }) => {
      this.counts.rejectedFrames++;
      this.failDropped(c, records, error);
    });
    this.clients.set(`${w.host}:${w.port}`, c);
    return c;
  }

  /** Peers whose connection dropped and has not reopened; the engine's spouts hear the count. */
  private setDown(c: PeerClient, down: boolean): void {
    const before = this.down.size;
    if (down) this.down.add(c);
    else this.down.delete(c);
    if (this.down.size !== before) this.engine.peersDown(this.down.size);
  }

  private failDropped(c: PeerClient, records: readonly unknown[], error: { code: string; message: string }): void {
    const outcome = unsendableOutcome(error.code);
    for (const rec of records) {
      if (!Array.isArray(rec)) continue;
      const [target, source, stream, values, anchors] = rec as [unknown, unknown, unknown, unknown, unknown];
      if (typeof source !== 'number') continue;
      const ref = typeof stream === 'number' ? this.engine.streamTable[stream] : undefined;
      if (ref !== undefined) this.engine.reportError(ref.component, source, error);
      if (ref?.id === DEAD_LETTER_STREAM && typeof target === 'number' && Array.isArray(values)) this.resendDeadLetter(c, target, source, stream as number, values);
      else this.engine.failUnsent(source, Array.isArray(anchors) ? (anchors as number[]) : null, outcome);
    }
  }

  /**
   * A dead letter (untracked: no tree to fail) the transport refused: its `values` are most often
   * the very values that made the message fail `too-large` or `unencodable`. It goes out again
   * with empty values (the reason field says why), so a subscriber in another worker still gets
   * the message id; before, it vanished while the spout was acked (docs/acking.md). A full peer
   * buffer does not lose it: it waits in that peer's dead-letter queue (MAX_DEAD_LETTERS_QUEUED)
   * until the peer drains. What cannot be sent at all is logged (`dead letter lost`), with the
   * message id and why.
   */
  private resendDeadLetter(c: PeerClient | undefined, target: number, source: number, stream: number, record: readonly unknown[]): void {
    const component = this.engine.streamTable[stream]?.component;
    const lost = (why: string): void => this.deadLetterLost(target, source, stream, record, why);
    if (record.length !== 5) return lost('not a dead-letter record');
    if (Array.isArray(record[2]) && record[2].length === 0) return lost('refused by the transport even with empty values');
    if (c === undefined || c.state === 'closed') return lost(c === undefined ? 'no worker known for its subscriber' : 'connection to its subscriber closed');
    const rec: ControlRecord = [target, source, stream, [record[0], record[1], [], record[3], record[4]], null];
    try {
      checkTupleRecord(rec); // checked now: a refused record waits in the control queue, which must not throw later
    } catch (err) {
      // The message id itself cannot travel: nothing more to try.
      if (component !== undefined) this.engine.reportError(component, source, err);
      return lost(`its message id cannot travel: ${(err as Error).message}`);
    }
    const q = this.deadLetters.get(c);
    if (q === undefined && !this.control.has(c) && c.sendTuple(...rec)) return;
    if (q === undefined) this.deadLetters.set(c, [rec]);
    else if (q.length >= MAX_DEAD_LETTERS_QUEUED) lost(`${MAX_DEAD_LETTERS_QUEUED} dead letters already wait for that peer's full buffer`);
    else q.push(rec);
  }

  private deadLetterLost(target: number, source: number, stream: number, record: readonly unknown[], why: string): void {
    const component = this.engine.streamTable[stream]?.component;
    this.o.log.warn({ component, sourceTask: source, targetTask: target, messageId: String(record[0]).slice(0, 200), reason: record[3], why }, 'dead letter lost');
  }

  /**
   * A control tuple's values for peer `c`: outcome 9 (FAILED_STOPPED, not charged to maxRetries)
   * becomes 2 (FAILED) for a peer that did not announce it — an older worker drops 9 as malformed
   * and the tree would time out (charged all the same). Until its first handshake a peer counts as
   * older; a frame encoded before a reconnect keeps the choice made for the connection before.
   */
  private controlValues(c: PeerClient | undefined, tuple: TupleImpl): unknown[] {
    const v = tuple.values as unknown[];
    if (v[1] !== TreeOutcome.FAILED_STOPPED || c === undefined || this.knowStopped.has(c)) return v;
    const id = tuple.stream.id;
    return id === ACK_FAIL_STREAM || id === ACK_OUTCOME_STREAM ? [v[0], TreeOutcome.FAILED] : v;
  }

  /**
   * Control tuples are never refused: what a full peer buffer rejects waits, up to MAX_CONTROL_QUEUED
   * (acker messages only, so about the trees in flight; dead letters have their own queue).
   */
  private sendControl(c: PeerClient | undefined, rec: ControlRecord): void {
    // No route (the task is not in the assignment this worker knows) or closed (stopping, or the
    // peer moved): the tree times out and replays.
    if (c === undefined || c.state === 'closed') {
      this.dropControl(1, c === undefined ? 'no worker known for the task' : 'peer connection closed');
      return;
    }
    const q = this.control.get(c);
    if (q === undefined || q.length === 0) {
      if (!c.sendTuple(...rec)) this.control.set(c, [rec]);
      return;
    }
    // Full: drop the newest (O(1); which one goes does not matter, each tree replays).
    if (q.length >= MAX_CONTROL_QUEUED) this.dropControl(1, `${MAX_CONTROL_QUEUED} already queued for an unreachable peer`);
    else q.push(rec);
  }

  /** Counts dropped control tuples; logs the first of each run of drops (a flood of lines helps nobody). */
  private dropControl(n: number, why: string): void {
    if (this.controlDropped === 0) this.o.log.warn({ why }, 'acker messages dropped; their trees will time out and replay');
    this.controlDropped += n;
  }

  /** Sends what waits for `c`: its control queue, then (once that is empty) its dead letters. */
  private flushControl(c: PeerClient): void {
    const q = this.control.get(c);
    if (q !== undefined) {
      if (sendQueued(c, q) > 0) return;
      this.control.delete(c);
      if (this.controlDropped > 0) this.o.log.info({ dropped: this.controlDropped }, 'acker messages flowing again');
      this.controlDropped = 0;
    }
    const d = this.deadLetters.get(c);
    if (d !== undefined && sendQueued(c, d) === 0) this.deadLetters.delete(c);
  }

  private onFrame(frame: Frame): void {
    if (frame[0] === FrameType.TUPLES) {
      if (hopTrace.on) traceReceived(frame[1], this.engine.streamTable);
      for (const [target, source, stream, values, anchors] of frame[1]) {
        if (typeof stream !== 'number' || !this.engine.receiveTuple(target, stream, source, values, anchors)) {
          // Most often a task that just moved (a rebalance, peers following the new assignment a
          // moment apart): its trees fail now and replay, rather than time out.
          if (this.engine.failRefused(Array.isArray(anchors) ? anchors : null)) this.refusedFailed++;
          else this.limited.warn({ target, stream }, 'tuple for a task or stream not in this worker dropped; its tree will time out and replay');
        }
      }
    }
    this.checkBackpressure();
  }

  /** Stops reading from peers while network tuples pile up behind full local queues. */
  private checkBackpressure(): void {
    const backlog = this.engine.inboundBacklog();
    if (!this.paused && backlog > INBOUND_HIGH) {
      this.paused = true;
      this.server?.pause();
      this.backpressureTimer = setInterval(() => this.checkBackpressure(), 2);
    } else if (this.paused && backlog < INBOUND_LOW) {
      this.paused = false;
      this.server?.resume();
      clearInterval(this.backpressureTimer);
    }
  }

  /** Sends what is still queued for each peer, closes the clients, then the server. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.backpressureTimer);
    for (const c of this.clients.values()) this.flushControl(c);
    for (const d of this.deadLetters.values()) for (const rec of d) this.deadLetterLost(rec[0], rec[1], rec[2], rec[3], 'worker stopping');
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    await this.server?.close();
    this.limited.close();
  }
}

/** Sends `q`'s records to `c` in order while it takes them; removes those sent and returns how many are left. */
function sendQueued(c: PeerClient, q: ControlRecord[]): number {
  let i = 0;
  while (i < q.length && c.state !== 'closed' && c.sendTuple(...q[i]!)) i++;
  q.splice(0, i);
  return q.length;
}

/**
 * An engine-made ack `[root, hi, lo]` through PeerClient.sendAck (which may merge it into one for
 * the same tree); false when it was not taken (full buffer, or not shaped like an ack).
 */
function sendAck(c: PeerClient, task: number, tuple: TupleImpl): boolean {
  const v = tuple.values;
  const root = v[0];
  const hi = v[1];
  const lo = v[2];
  if (v.length !== 3 || typeof root !== 'number' || typeof hi !== 'number' || typeof lo !== 'number') return false;
  return c.sendAck(task, tuple.sourceTask, tuple.stream.index, root, hi, lo);
}

/** Hop trace (hop-trace.ts): the sampled data records and acks of a frame just read. */
function traceReceived(records: readonly TupleRecord[], streams: Engine['streamTable']): void {
  for (const [, , stream, values, anchors] of records) {
    if (anchors !== null && anchors.length > 0) stampHop(Hop.DATA_RECEIVE, anchors[0]!);
    else if (typeof stream === 'number' && streams[stream]?.id === ACK_ACK_STREAM && typeof values[0] === 'number') stampHop(Hop.ACK_RECEIVE, values[0]);
  }
}

/** `localhost` as an address: the IPv4 loopback, where gale listens. */
function loopbackName(host: string): string {
  return host === 'localhost' ? '127.0.0.1' : host;
}
