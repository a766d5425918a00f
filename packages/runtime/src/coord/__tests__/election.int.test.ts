import { randomUUID } from 'node:crypto';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { expireSession } from '../../../../../test/harness/zk-session.js';
import { nextEvent, waitFor } from '../../../../../test/harness/wait.js';
import { ZkClient } from '../zk-client.js';
import { ZkError } from '../zk-errors.js';
import { zkPaths } from '../paths.js';
import { LeaderElection, type ElectionEvents } from '../election.js';

const SESSION_MS = 4000;
let zk: ZkServer;
let admin: ZkClient;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  zk = await startZk({ tickMs: 1000 });
  admin = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS });
});
afterAll(async () => {
  await admin?.close();
  await zk?.stop();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Candidate {
  id: string;
  client: ZkClient;
  election: LeaderElection;
}

async function candidate(dir: string, id: string): Promise<Candidate> {
  const client = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS });
  closers.push(() => client.close());
  const election = await LeaderElection.join({ client, dir, candidateId: id, info: { host: '127.0.0.1' } });
  closers.push(() => election.close());
  return { id, client, election };
}

async function leaders(cs: Candidate[]): Promise<Candidate[]> {
  return cs.filter(c => c.election.isLeader);
}

async function exactlyOneLeader(cs: Candidate[], what: string): Promise<Candidate> {
  const [leader] = await waitFor(async () => {
    const l = await leaders(cs);
    return l.length === 1 ? l : null;
  }, { what, timeoutMs: SESSION_MS + 3000 });
  return leader!;
}

function lostEvent(c: Candidate, timeoutMs = SESSION_MS + 3000): Promise<ElectionEvents['lost']> {
  return nextEvent<ElectionEvents['lost']>(l => c.election.on('lost', l), () => true, { timeoutMs, what: `${c.id} lost` });
}

const freshDir = (): string => zkPaths(`/t-${randomUUID().slice(0, 8)}`).leaderDir();

describe('leader election on a real ZooKeeper', () => {
  test('three candidates: exactly one leader; closing it elects the next within the session timeout', async () => {
    const dir = freshDir();
    const cs = [await candidate(dir, 'sup-a'), await candidate(dir, 'sup-b'), await candidate(dir, 'sup-c')];
    const first = await exactlyOneLeader(cs, 'one leader');
    expect(first.id).toBe('sup-a'); // lowest sequence
    expect(first.election.leaderZnode).toBe(first.election.znode);
    expect((await admin.getChildren(dir)).length).toBe(3);
    const seen = await cs[2]!.election.leader();
    expect(seen).toMatchObject({ candidateId: 'sup-a', info: { host: '127.0.0.1' }, znode: first.election.znode });

    const rest = cs.filter(c => c !== first);
    const elected = nextEvent<ElectionEvents['elected']>(l => cs[1]!.election.on('elected', l), () => true, { timeoutMs: SESSION_MS, what: 'sup-b elected' });
    const lost = lostEvent(first);
    const t0 = Date.now();
    await first.election.close();
    await first.client.close();
    expect((await lost).reason).toBe('closed');
    await elected;
    expect(Date.now() - t0).toBeLessThan(SESSION_MS);
    const second = await exactlyOneLeader(rest, 'the next leader');
    expect(second.id).toBe('sup-b');
    expect(cs[2]!.election.isLeader).toBe(false);
  });

  test('the leader losing its session (forced expiry): next leader within the session timeout; the old one re-joins', async () => {
    const dir = freshDir();
    const cs = [await candidate(dir, 'sup-a'), await candidate(dir, 'sup-b')];
    const [a, b] = cs as [Candidate, Candidate];
    await exactlyOneLeader(cs, 'a leads');
    expect(a.election.isLeader).toBe(true);
    const oldZnode = a.election.znode!;

    const lost = lostEvent(a);
    const bElected = nextEvent<ElectionEvents['elected']>(l => b.election.on('elected', l), () => true, { timeoutMs: SESSION_MS + 2000, what: 'b elected' });
    const t0 = Date.now();
    await expireSession(zk.connectString, a.client.sessionCredentials());
    await bElected;
    expect(Date.now() - t0).toBeLessThan(SESSION_MS + 2000);
    expect((await lost).reason).toBe('expired');

    // a is back as a follower with a new znode on its new session.
    await waitFor(() => a.election.znode !== undefined && a.election.znode !== oldZnode, { what: 'a re-joined' });
    const children = await admin.getChildren(dir);
    expect(children).toHaveLength(2);
    expect(children).not.toContain(oldZnode.slice(dir.length + 1));
    expect(a.election.isLeader).toBe(false);
    expect((await admin.exists(a.election.znode!))!.ephemeralOwner).toBe(a.client.sessionId);

    // a deposed leader's fenced write changes nothing.
    const path = `${dir.replace(/\/leader$/, '')}/assignment`;
    await admin.create(path, Buffer.from('by-b'));
    const err = await a.election.fencedTransaction([{ op: 'setData', path, data: Buffer.from('by-a') }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZkError);
    expect((err as ZkError).code).toBe('GALE_ERR_ZK_NOT_LEADER');
    expect((await admin.getData(path)).data.toString()).toBe('by-b');
    // The current leader's fenced write goes through.
    const res = await b.election.fencedTransaction([{ op: 'setData', path, data: Buffer.from('by-b-2') }]);
    expect(res).toEqual([{ op: 'setData', version: 1 }]);
  });

  test('fencing: once the leader znode is gone the multi-op writes nothing (server-side check)', async () => {
    const dir = freshDir();
    const cs = [await candidate(dir, 'sup-a'), await candidate(dir, 'sup-b'), await candidate(dir, 'sup-c')];
    const a = await exactlyOneLeader(cs, 'a leads');
    const znode = a.election.leaderZnode!;
    const target = `${dir.replace(/\/leader$/, '')}/assignments-wc`;
    await admin.create(target, Buffer.from('v0'));
    await a.election.fencedTransaction([{ op: 'setData', path: target, data: Buffer.from('v1'), version: 0 }]);
    expect((await admin.getData(target)).data.toString()).toBe('v1');

    // Depose a behind its back (as a session expiry or an operator would).
    const lost = lostEvent(a);
    await admin.remove(znode);
    // The raw fence, as a paused leader that has not yet seen any event would send it:
    const raw = await a.client.transaction().check(znode).setData(target, Buffer.from('stale')).commit().catch((e: unknown) => e);
    expect((raw as ZkError).code).toBe('GALE_ERR_ZK_NO_NODE');
    expect((raw as ZkError).failedOp).toBe(0);
    // And the helper: refused locally or by the server, never written.
    const err = await a.election.fencedTransaction([{ op: 'setData', path: target, data: Buffer.from('stale') }]).catch((e: unknown) => e);
    expect((err as ZkError).code).toBe('GALE_ERR_ZK_NOT_LEADER');
    expect((await admin.getData(target)).data.toString()).toBe('v1');

    expect((await lost).reason).toBe('deleted');
    const next = await exactlyOneLeader(cs, 'b leads');
    expect(next.id).toBe('sup-b');
    // a re-joined at the back of the queue.
    await waitFor(async () => (await admin.getChildren(dir)).length === 3, { what: 'a re-joined' });
    expect(a.election.isLeader).toBe(false);
  });

  test('a lone candidate re-elects itself on its new session after expiry', async () => {
    const dir = freshDir();
    const a = await candidate(dir, 'solo');
    expect(a.election.isLeader).toBe(true);
    const first = a.election.leaderZnode!;
    const lost = lostEvent(a);
    const reElected = nextEvent<ElectionEvents['elected']>(l => a.election.on('elected', l), e => e.znode !== first, { timeoutMs: SESSION_MS + 3000, what: 're-elected' });
    await expireSession(zk.connectString, a.client.sessionCredentials());
    expect((await lost).reason).toBe('expired');
    const ev = await reElected;
    expect(a.election.leaderZnode).toBe(ev.znode);
    await a.election.fencedTransaction([{ op: 'create', path: `${dir}-fenced-ok` }]);
    expect(await admin.exists(`${dir}-fenced-ok`)).not.toBeNull();
  });

  test('join fails fast without permission (digest-protected election dir)', async () => {
    const secret = randomUUID();
    const owner = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS, auth: { scheme: 'digest', secret } });
    closers.push(() => owner.close());
    const dir = freshDir();
    await owner.mkdirp(dir);
    const stranger = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: SESSION_MS });
    closers.push(() => stranger.close());
    const err = await LeaderElection.join({ client: stranger, dir, candidateId: 'x' }).catch((e: unknown) => e);
    expect((err as ZkError).code).toBe('GALE_ERR_ZK_NO_AUTH');
  });
});
