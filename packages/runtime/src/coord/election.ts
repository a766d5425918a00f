/**
 * Leader election, the ZooKeeper recipe: each candidate creates an ephemeral-sequential znode under
 * the election dir; the lowest sequence leads; every other candidate watches only its predecessor
 * (no herd effect). The leader fences its writes with {@link LeaderElection.fencedTransaction}: a
 * multi-op that first checks its own election znode, so a deposed leader (session expired, znode
 * deleted, process paused and resumed) writes nothing.
 *
 * Candidate znodes are named `c_<token>_n_<seq>`: the random token lets a candidate find its own
 * znode after a create whose reply was lost (connection loss), instead of leaving a ghost that
 * would lead forever without acting (Curator's "protected" mode).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { rootLog, type Logger } from '../log.js';
import { backoffDelays } from '../retry.js';
import { TypedEvents } from './events.js';
import type { ZkClient } from './zk-client.js';
import type { ZkOp, ZkOpResult } from './zk-types.js';
import { ZkError } from './zk-errors.js';
import { Fields, decodeJson } from './znode-data.js';

export interface LeaderElectionOptions {
  client: ZkClient;
  /** The election directory, e.g. `zkPaths(root).leaderDir()`. */
  dir: string;
  /** Who this candidate is (supervisor id); stored in its znode with `info`. */
  candidateId: string;
  info?: Record<string, unknown>;
  log?: Logger;
}

export interface ElectionEvents {
  /** This candidate became the leader; `znode` is its election znode (the fencing token). */
  elected: { znode: string };
  /** Leadership ended: the session expired, the znode was deleted, or close() was called. */
  lost: { znode: string; reason: 'expired' | 'deleted' | 'closed' };
}

export interface LeaderInfo {
  znode: string;
  candidateId: string;
  info: Record<string, unknown>;
}

const CANDIDATE = /^c_[0-9a-f]{32}_n_(\d{10})$/;

function sequenceOf(name: string): number {
  const m = CANDIDATE.exec(name);
  return m ? Number(m[1]) : Number.POSITIVE_INFINITY;
}

function isCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof ZkError && codes.includes(err.code);
}

export class LeaderElection {
  private readonly client: ZkClient;
  private readonly dir: string;
  private readonly payload: Buffer;
  private readonly log: Logger;
  private readonly events: TypedEvents<ElectionEvents>;
  private readonly abort = new AbortController();
  private readonly unsubscribe: Array<() => void> = [];
  /** Token in our znode name; renewed for each (re-)join. */
  private token = '';
  private myZnode: string | undefined;
  private leading: string | undefined;
  private joined = false;
  private closed = false;
  private dirty = false;
  private running: Promise<void> | undefined;
  private firstError: unknown;
  private readonly onWatch = (): void => this.schedule();

  private constructor(opts: LeaderElectionOptions) {
    this.client = opts.client;
    this.dir = opts.dir.replace(/\/+$/, '');
    this.payload = Buffer.from(JSON.stringify({ candidateId: opts.candidateId, ...opts.info }));
    this.log = (opts.log ?? rootLog).child({ component: 'election', candidateId: opts.candidateId });
    this.events = new TypedEvents(this.log);
  }

  /**
   * Joins the election: resolves once this candidate's znode exists and it knows whether it leads
   * (listen for `elected` before or after; check {@link isLeader}). Rejects on a non-retriable
   * error such as GALE_ERR_ZK_NO_AUTH.
   */
  static async join(opts: LeaderElectionOptions): Promise<LeaderElection> {
    const e = new LeaderElection(opts);
    e.unsubscribe.push(e.client.on('state', ev => {
      if (ev.state === 'expired') e.onSessionLost();
      else if (ev.state === 'reconnected-new-session' || ev.state === 'connected') e.schedule();
    }));
    e.schedule();
    await e.running;
    if (!e.joined) {
      await e.close();
      if (e.firstError instanceof Error) throw e.firstError;
      throw new ZkError('GALE_ERR_ZK_CLOSED', 'election closed while joining', e.firstError === undefined ? {} : { cause: e.firstError });
    }
    return e;
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** This candidate's election znode while it leads (what fenced writes check); undefined otherwise. */
  get leaderZnode(): string | undefined {
    return this.leading;
  }

  /** This candidate's current election znode (leading or not). */
  get znode(): string | undefined {
    return this.myZnode;
  }

  on<K extends keyof ElectionEvents>(name: K, listener: (event: ElectionEvents[K]) => void): () => void {
    return this.events.on(name, listener);
  }

  /** The current leader as seen in ZooKeeper (undefined if there are no candidates). */
  leader(): Promise<LeaderInfo | undefined> {
    return readLeader(this.client, this.dir);
  }


  /**
   * Commits `ops` atomically, preceded by a check that our election znode still exists. Rejects with
   * GALE_ERR_ZK_NOT_LEADER (nothing written) if this candidate does not lead or has been deposed;
   * other failures keep their code with `failedOp` indexing into `ops`.
   */
  async fencedTransaction(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    const znode = this.leading;
    if (znode === undefined || this.closed) {
      throw new ZkError('GALE_ERR_ZK_NOT_LEADER', `fenced write refused: this candidate is not the leader of ${this.dir}`);
    }
    try {
      const results = await this.client.commit([{ op: 'check', path: znode }, ...ops]);
      return results.slice(1);
    } catch (err) {
      if (!(err instanceof ZkError)) throw err;
      if (err.failedOp === 0 || err.code === 'GALE_ERR_ZK_SESSION_EXPIRED') {
        this.schedule();
        throw new ZkError('GALE_ERR_ZK_NOT_LEADER', `fenced write refused: election znode ${znode} is gone; this process is no longer the leader`, { path: znode, cause: err });
      }
      if (err.failedOp !== undefined) {
        throw new ZkError(err.code, err.message, { path: err.path, zkCode: err.zkCode, retriable: err.retriable, failedOp: err.failedOp - 1, cause: err });
      }
      throw err;
    }
  }

  /** Withdraws: gives up leadership (`lost` with reason `closed`) and deletes the znode. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    for (const off of this.unsubscribe) off();
    await this.running;
    this.loseLeadership('closed');
    const znode = this.myZnode;
    this.myZnode = undefined;
    if (znode !== undefined) {
      try {
        await this.client.remove(znode);
      } catch (err) {
        // Gone already, or the session is: either way the znode does not outlive us.
        if (!isCode(err, 'GALE_ERR_ZK_NO_NODE', 'GALE_ERR_ZK_SESSION_EXPIRED', 'GALE_ERR_ZK_CLOSED')) {
          this.log.warn({ err, znode }, 'could not remove election znode');
        }
      }
    }
    this.events.clear();
  }

  // ---- internals ----------------------------------------------------------------------------------

  private onSessionLost(): void {
    // Our ephemeral znode died with the session.
    this.loseLeadership('expired');
    this.myZnode = undefined;
  }

  private loseLeadership(reason: ElectionEvents['lost']['reason']): void {
    const znode = this.leading;
    if (znode === undefined) return;
    this.leading = undefined;
    if (reason === 'closed') this.log.info({ znode, reason }, 'leadership given up');
    else this.log.warn({ znode, reason }, 'leadership lost');
    this.events.emit('lost', { znode, reason });
  }

  private schedule(): void {
    if (this.closed) return;
    this.dirty = true;
    this.running ??= this.runLoop().finally(() => {
      this.running = undefined;
    });
  }

  /** The only caller of evaluate(), so evaluations never overlap; watch events just mark it dirty. */
  private async runLoop(): Promise<void> {
    let delays = backoffDelays({ initialMs: 100, maxMs: 5000 });
    while (this.dirty && !this.closed) {
      this.dirty = false;
      try {
        await this.evaluate();
        this.joined = true;
        delays = backoffDelays({ initialMs: 100, maxMs: 5000 });
      } catch (err) {
        if (this.closed) return;
        // Session gone: the client's `reconnected-new-session` event schedules the re-join.
        if (isCode(err, 'GALE_ERR_ZK_SESSION_EXPIRED', 'GALE_ERR_ZK_CLOSED')) continue;
        const retriable = err instanceof ZkError && err.retriable;
        if (!this.joined && !retriable) {
          this.firstError = err;
          return;
        }
        this.log.warn({ err }, 'election step failed; retrying');
        this.dirty = true;
        try {
          await sleep(delays.next().value, undefined, { signal: this.abort.signal });
        } catch {
          return; // closed
        }
      }
    }
  }

  private async evaluate(): Promise<void> {
    if (this.myZnode === undefined) await this.createZnode();
    const my = this.myZnode;
    if (my === undefined) return;
    const mine = my.slice(this.dir.length + 1);
    const children = (await this.client.getChildren(this.dir)).filter(c => CANDIDATE.test(c));
    children.sort((a, b) => sequenceOf(a) - sequenceOf(b));
    if (this.myZnode !== my) return; // the session expired meanwhile; the new-session event re-runs us
    const idx = children.indexOf(mine);
    if (idx < 0) {
      // Deleted under us (an operator, or a test): we are no candidate any more. Join again.
      this.log.warn({ znode: my }, 'election znode deleted; re-joining');
      this.loseLeadership('deleted');
      this.myZnode = undefined;
      this.dirty = true;
      return;
    }
    // Watch our own znode too, so a leader notices its deletion.
    if ((await this.client.exists(my, this.onWatch)) === null) {
      this.dirty = true;
      return;
    }
    if (this.myZnode !== my) return;
    if (idx === 0) {
      if (this.leading !== my) {
        this.leading = my;
        this.log.info({ znode: my }, 'elected leader');
        this.events.emit('elected', { znode: my });
      }
      return;
    }
    if (this.leading !== undefined) this.loseLeadership('deleted');
    // Watch only the predecessor; if it is already gone, look again.
    const predecessor = `${this.dir}/${children[idx - 1]!}`;
    if ((await this.client.exists(predecessor, this.onWatch)) === null) this.dirty = true;
  }

  private async createZnode(): Promise<void> {
    await this.client.mkdirp(this.dir);
    this.token = randomUUID().replaceAll('-', '');
    const prefix = `c_${this.token}_n_`;
    try {
      this.myZnode = await this.client.create(`${this.dir}/${prefix}`, this.payload, 'ephemeral_sequential');
    } catch (err) {
      if (!isCode(err, 'GALE_ERR_ZK_CONNECTION_LOSS', 'GALE_ERR_ZK_TIMEOUT')) throw err;
      // The create may have happened: adopt our znode if it is there, else let the loop retry.
      const children = await this.client.getChildren(this.dir);
      const ours = children.find(c => c.startsWith(prefix));
      if (ours === undefined) throw err;
      this.myZnode = `${this.dir}/${ours}`;
    }
    if (this.closed) {
      await this.client.remove(this.myZnode).catch(() => {});
      this.myZnode = undefined;
      return;
    }
    this.log.debug({ znode: this.myZnode }, 'joined election');
  }
}

/** The current leader of the election in `dir` (undefined if there are no candidates), for any client (admin, REST). */
export async function readLeader(client: ZkClient, dir: string): Promise<LeaderInfo | undefined> {
  for (;;) {
    const children = (await client.getChildren(dir)).filter(c => CANDIDATE.test(c));
    children.sort((a, b) => sequenceOf(a) - sequenceOf(b));
    const first = children[0];
    if (first === undefined) return undefined;
    const znode = `${dir}/${first}`;
    try {
      const { data } = await client.getData(znode);
      const f = Fields.of(znode, decodeJson(znode, data));
      const candidateId = f.str('candidateId');
      const info: Record<string, unknown> = { ...f.raw };
      delete info.candidateId;
      return { znode, candidateId, info };
    } catch (err) {
      if (!isCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err; // it just went away: look again
    }
  }
}
