import { randomUUID } from 'node:crypto';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { freePort } from '../../../../../test/harness/ports.js';
import { expireSession } from '../../../../../test/harness/zk-session.js';
import { nextEvent, waitFor } from '../../../../../test/harness/wait.js';
import { ZkClient } from '../zk-client.js';
import type { ZkStateEvent, ZkWatchEvent } from '../zk-types.js';
import { ZkError } from '../zk-errors.js';
import { zkPaths } from '../paths.js';
import { ensureLayout } from '../layout.js';
import { ErrorsStore } from '../errors-store.js';

let zk: ZkServer;
const clients: ZkClient[] = [];

beforeAll(async () => {
  zk = await startZk({ tickMs: 1000 });
});
afterAll(async () => {
  await zk?.stop();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map(c => c.close()));
});

async function connect(opts: Partial<Parameters<typeof ZkClient.connect>[0]> = {}): Promise<ZkClient> {
  const c = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000, ...opts });
  clients.push(c);
  return c;
}

const root = (): string => `/t-${randomUUID().slice(0, 8)}`;
const buf = (s: string): Buffer => Buffer.from(s);

async function expectZkError(p: Promise<unknown>, code: string): Promise<ZkError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ZkError);
  expect((err as ZkError).code).toBe(code);
  return err as ZkError;
}

function watchEvents(): { events: ZkWatchEvent[]; watcher: (e: ZkWatchEvent) => void } {
  const events: ZkWatchEvent[] = [];
  return { events, watcher: e => events.push(e) };
}

describe('ZkClient against a real ZooKeeper', () => {
  test('connects and negotiates the session timeout within the server clamp', async () => {
    const c = await connect();
    expect(c.sessionId).toMatch(/^[0-9a-f]{16}$/);
    expect(c.sessionTimeoutMs).toBe(4000);
    expect(c.state).toBe('connected');
    expect(c.acl).toEqual([{ scheme: 'world', id: 'anyone', perms: 31 }]);
  });

  test('create, read, write with versions, list, remove', async () => {
    const c = await connect();
    const r = root();
    await c.mkdirp(`${r}/a/b`);
    expect(await c.exists(`${r}/a/b`)).not.toBeNull();
    await c.mkdirp(`${r}/a/b`); // idempotent

    expect(await c.create(`${r}/a/x`, buf('one'))).toBe(`${r}/a/x`);
    await expectZkError(c.create(`${r}/a/x`, buf('again')), 'GALE_ERR_ZK_NODE_EXISTS');
    const got = await c.getData(`${r}/a/x`);
    expect(got.data.toString()).toBe('one');
    expect(got.version).toBe(0);

    const stat = await c.setData(`${r}/a/x`, buf('two'), 0);
    expect(stat.version).toBe(1);
    const bad = await expectZkError(c.setData(`${r}/a/x`, buf('three'), 0), 'GALE_ERR_ZK_BAD_VERSION');
    expect(bad.path).toBe(`${r}/a/x`);
    expect(bad.retriable).toBe(false);
    expect((await c.getData(`${r}/a/x`)).data.toString()).toBe('two');

    const seq1 = await c.create(`${r}/a/s-`, buf(''), 'persistent_sequential');
    const seq2 = await c.create(`${r}/a/s-`, buf(''), 'persistent_sequential');
    expect(seq1).toMatch(/\/s-\d{10}$/);
    expect(seq2 > seq1).toBe(true);
    expect((await c.getChildren(`${r}/a`)).sort()).toEqual(['b', 's-0000000002', 's-0000000003', 'x'].sort());

    const eph = await c.create(`${r}/eph`, buf('e'), 'ephemeral');
    expect((await c.exists(eph))!.ephemeralOwner).toBe(c.sessionId);
    await expectZkError(c.create(`${eph}/child`), 'GALE_ERR_ZK_NO_CHILDREN_FOR_EPHEMERALS');

    await expectZkError(c.getData(`${r}/missing`), 'GALE_ERR_ZK_NO_NODE');
    expect(await c.exists(`${r}/missing`)).toBeNull();
    await expectZkError(c.remove(`${r}/a`), 'GALE_ERR_ZK_NOT_EMPTY');
    await expectZkError(c.remove(`${r}/a/x`, 0), 'GALE_ERR_ZK_BAD_VERSION');
    await c.remove(`${r}/a/x`, 1);
    await c.removeRecursive(r);
    expect(await c.exists(r)).toBeNull();
    await c.removeRecursive(r); // missing is fine
    await expectZkError(c.create(`${r}/big`, Buffer.alloc(1_000_001)), 'GALE_ERR_ZK_TOO_LARGE');
    await expectZkError(c.getData('bad/path'), 'GALE_ERR_ZK_BAD_ARGUMENT');
  });

  test('watches fire once for data changes, creation, children and deletion', async () => {
    const c = await connect();
    const other = await connect();
    const r = root();
    await c.mkdirp(r);

    const w = watchEvents();
    expect(await c.exists(`${r}/n`, w.watcher)).toBeNull();
    await other.create(`${r}/n`, buf('1'));
    await waitFor(() => w.events.length === 1, { what: 'created event' });
    expect(w.events[0]).toEqual({ type: 'created', path: `${r}/n` });

    await c.getData(`${r}/n`, w.watcher);
    await c.getChildren(r, w.watcher);
    await other.setData(`${r}/n`, buf('2'));
    await waitFor(() => w.events.length === 2, { what: 'data-changed event' });
    expect(w.events[1]).toEqual({ type: 'data-changed', path: `${r}/n` });
    await other.create(`${r}/m`);
    await waitFor(() => w.events.length === 3, { what: 'children-changed event' });
    expect(w.events[2]).toEqual({ type: 'children-changed', path: r });

    await c.exists(`${r}/n`, w.watcher); // on an existing node: fires on delete
    await other.remove(`${r}/n`);
    await waitFor(() => w.events.length === 4, { what: 'deleted event' });
    expect(w.events[3]).toEqual({ type: 'deleted', path: `${r}/n` });

    // One-shot: a second change without re-arming reports nothing more.
    await other.create(`${r}/n`);
    await other.setData(`${r}/m`, buf('x'));
    await c.getData(`${r}/m`); // round trip on c: any pending notification would have arrived first
    expect(w.events).toHaveLength(4);
    // A watcher that throws is contained.
    await c.getData(`${r}/m`, () => {
      throw new Error('listener bug');
    });
    await other.setData(`${r}/m`, buf('y'));
    expect((await c.getData(`${r}/m`)).data.toString()).toBe('y');
  });

  test('transactions are atomic, report the failing op, and honour expected version 0', async () => {
    const c = await connect();
    const r = root();
    await c.mkdirp(r);
    await c.create(`${r}/v`, buf('v0'));

    const results = await c.transaction()
      .check(`${r}/v`, 0)
      .create(`${r}/new`, buf('n'))
      .setData(`${r}/v`, buf('v1'), 0)
      .commit();
    expect(results).toEqual([{ op: 'check' }, { op: 'create', path: `${r}/new` }, { op: 'setData', version: 1 }]);

    // node-zookeeper-client turns version 0 into -1 in transactions; ours must really check it.
    const err = await expectZkError(
      c.transaction().create(`${r}/never`).setData(`${r}/v`, buf('stale'), 0).commit(),
      'GALE_ERR_ZK_BAD_VERSION',
    );
    expect(err.failedOp).toBe(1);
    expect(await c.exists(`${r}/never`)).toBeNull();
    expect((await c.getData(`${r}/v`)).data.toString()).toBe('v1');

    const err2 = await expectZkError(c.transaction().check(`${r}/gone`).remove(`${r}/new`).commit(), 'GALE_ERR_ZK_NO_NODE');
    expect(err2.failedOp).toBe(0);
    expect(await c.exists(`${r}/new`)).not.toBeNull();
  });

  test('an unreachable ZooKeeper fails with GALE_ERR_ZK_UNREACHABLE within the connect timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    const err = await expectZkError(
      ZkClient.connect({ connectString: `127.0.0.1:${port}`, connectTimeoutMs: 1500 }),
      'GALE_ERR_ZK_UNREACHABLE',
    );
    const took = Date.now() - started;
    expect(err.message).toBe(`cannot reach ZooKeeper at 127.0.0.1:${port} within 1500 ms`);
    expect(err.retriable).toBe(true);
    expect(took).toBeGreaterThanOrEqual(1450);
    expect(took).toBeLessThan(2500);
  });

  test('close is idempotent, removes ephemerals at once, and later calls fail with GALE_ERR_ZK_CLOSED', async () => {
    const c = await ZkClient.connect({ connectString: zk.connectString, sessionTimeoutMs: 4000 });
    const observer = await connect();
    const r = root();
    await c.mkdirp(r);
    await c.create(`${r}/eph`, buf(''), 'ephemeral');
    const states: ZkStateEvent[] = [];
    c.on('state', e => states.push(e));
    await Promise.all([c.close(), c.close()]);
    await c.close();
    expect(states.map(s => s.state)).toEqual(['closed']);
    expect(c.state).toBe('closed');
    expect(await observer.exists(`${r}/eph`)).toBeNull(); // CLOSE_SESSION, not a timeout
    await expectZkError(c.getData(r), 'GALE_ERR_ZK_CLOSED');
  });

  test('session expiry: reports expired, creates a brand new session, owner re-creates its ephemeral', async () => {
    const c = await connect();
    const observer = await connect();
    const r = root();
    await c.mkdirp(r);
    await c.create(`${r}/eph`, buf('old'), 'ephemeral');
    const oldSession = c.sessionId;
    const states: ZkStateEvent[] = [];
    c.on('state', e => states.push(e));
    // The owner's contract: on a new session, re-create ephemerals.
    c.on('state', e => {
      if (e.state === 'reconnected-new-session') void c.create(`${r}/eph`, buf('new'), 'ephemeral').catch(() => {});
    });

    const renewed = nextEvent<ZkStateEvent>(l => c.on('state', l), e => e.state === 'reconnected-new-session', { timeoutMs: 15_000, what: 'reconnected-new-session' });
    const started = Date.now();
    expect(await expireSession(zk.connectString, c.sessionCredentials())).toBe(true);
    const ev = await renewed;
    const took = Date.now() - started;

    expect(states.map(s => s.state)).toContain('expired');
    expect(states.find(s => s.state === 'expired')!.sessionId).toBe(oldSession);
    expect(ev.sessionId).not.toBe(oldSession);
    expect(c.sessionId).toBe(ev.sessionId);
    expect(took).toBeLessThan(4000 + 1000); // at worst the watchdog notices a dead connection
    const eph = await waitFor(async () => {
      const s = await observer.exists(`${r}/eph`);
      return s && s.ephemeralOwner === ev.sessionId ? s : null;
    }, { what: 'ephemeral re-created on the new session' });
    expect(eph.ephemeralOwner).toBe(c.sessionId);
    expect((await c.getData(`${r}/eph`)).data.toString()).toBe('new');
  });

  test('ZooKeeper restart within the session timeout: the session and its ephemerals survive', async () => {
    // A roomy session: the JVM restart (~0.7 s idle) can take seconds on a loaded CI machine.
    const c = await connect({ sessionTimeoutMs: 10_000 });
    const r = root();
    await c.mkdirp(r);
    await c.create(`${r}/eph`, buf('e'), 'ephemeral');
    const session = c.sessionId;
    const states: ZkStateEvent[] = [];
    c.on('state', e => states.push(e));

    const disconnected = nextEvent<ZkStateEvent>(l => c.on('state', l), e => e.state === 'disconnected', { what: 'disconnected' });
    await zk.kill();
    await disconnected;
    const reconnected = nextEvent<ZkStateEvent>(l => c.on('state', l), e => e.state === 'connected', { timeoutMs: 15_000, what: 'connected' });
    const t0 = Date.now();
    await zk.restart();
    await reconnected;
    const downMs = Date.now() - t0;

    expect(c.sessionId).toBe(session);
    expect(states.map(s => s.state)).toEqual(['disconnected', 'connected']);
    const stat = await c.exists(`${r}/eph`);
    expect(stat?.ephemeralOwner).toBe(session);
    expect(downMs).toBeLessThan(10_000);
  });

  test('a frozen server (SIGSTOP) is noticed: the watchdog drops the silent connection, then it recovers', async () => {
    // node-zookeeper-client alone never notices unanswered pings and would stay "connected" forever.
    const c = await connect();
    const disconnected = nextEvent<ZkStateEvent>(l => c.on('state', l), e => e.state === 'disconnected', { timeoutMs: 6000, what: 'disconnected' });
    const recovered = nextEvent<ZkStateEvent>(l => c.on('state', l), e => e.state === 'connected' || e.state === 'reconnected-new-session', { timeoutMs: 15_000, what: 'recovered' });
    const pid = zk.pid!;
    const t0 = Date.now();
    process.kill(pid, 'SIGSTOP');
    try {
      await disconnected;
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const noticedMs = Date.now() - t0;
    expect(noticedMs).toBeGreaterThanOrEqual((4000 * 2) / 3 - 100);
    expect(noticedMs).toBeLessThan(4000 + 500);
    await recovered;
    expect(c.state).toBe('connected');
    expect(await c.exists('/')).not.toBeNull();
  });

  test('digest ACL: nodes are not world-open, a client without the secret gets GALE_ERR_ZK_NO_AUTH', async () => {
    const secret = `s3cret-${randomUUID()}`;
    const paths = zkPaths(root());
    const owner = await connect({ auth: { scheme: 'digest', secret } });
    expect(owner.acl).toHaveLength(1);
    expect(owner.acl[0]!.scheme).toBe('digest');
    await ensureLayout(owner, paths);
    await owner.create(paths.topology('wc'), buf('{"spec":1}'));
    for (const p of [paths.root, paths.secret(), paths.topology('wc'), paths.supervisorsDir()]) {
      const acl = await owner.getAcl(p);
      expect(acl).toEqual(owner.acl);
    }
    expect((await owner.getData(paths.topology('wc'))).data.toString()).toBe('{"spec":1}');

    const anonymous = await connect();
    const wrong = await connect({ auth: { scheme: 'digest', secret: 'wrong' } });
    expect(wrong.state).toBe('connected'); // ZooKeeper never fails a digest session
    for (const c of [anonymous, wrong]) {
      const err = await expectZkError(c.getData(paths.topology('wc')), 'GALE_ERR_ZK_NO_AUTH');
      expect(err.path).toBe(paths.topology('wc'));
      await expectZkError(c.getChildren(paths.root), 'GALE_ERR_ZK_NO_AUTH');
      await expectZkError(c.create(`${paths.topologiesDir()}/evil`), 'GALE_ERR_ZK_NO_AUTH');
      await expectZkError(c.setData(paths.topology('wc'), buf('x')), 'GALE_ERR_ZK_NO_AUTH');
      // The start-up probe: a daemon with a wrong or missing secret learns it at once.
      const probe = await expectZkError(ensureLayout(c, paths), 'GALE_ERR_ZK_NO_AUTH');
      expect(probe.message).toMatch(/cluster secret is missing or wrong/);
    }
    const right = await connect({ auth: { scheme: 'digest', secret } });
    await ensureLayout(right, paths);
    expect((await right.getData(paths.topology('wc'))).data.toString()).toBe('{"spec":1}');
  });

  test('errors store keeps the last 10 per component and loses no concurrent append', async () => {
    const a = await connect();
    const b = await connect();
    const paths = zkPaths(root());
    const store = new ErrorsStore(a, paths);
    // Messages that differ in words, not only in digits (those fold into one entry: api/stats.ts).
    const w = (i: number): string => String.fromCharCode(97 + i);
    for (let i = 0; i < 12; i++) await store.append('wc', 'split', { timeMs: i, message: `boom ${w(i)}` });
    const list = await store.list('wc', 'split');
    // The first entry of a code (here: no code) stays; the newest nine after it.
    expect(list.map(e => e.message)).toEqual(['boom a', ...Array.from({ length: 9 }, (_, i) => `boom ${w(i + 3)}`)]);
    expect(await store.list('wc', 'count')).toEqual([]);

    // Two clients racing on a fresh znode: the CAS loop must keep every entry.
    const wide = [new ErrorsStore(a, paths, 100), new ErrorsStore(b, paths, 100)];
    await Promise.all(Array.from({ length: 20 }, (_, i) => wide[i % 2]!.append('wc', 'count', { timeMs: i, message: `e${w(i)}` })));
    const all = await store.list('wc', 'count');
    expect(all.map(e => e.message).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `e${w(i)}`).sort());
    expect(Object.keys(await store.listTopology('wc'))).toEqual(['count', 'split']);

    // A flood of one code (bad data, a different message per value) folds into one entry with a
    // count: the real error written before it stays (it used to be pushed out after ten writes).
    await store.append('wc', 'sink', { timeMs: 1, message: 'redis: NOPERM' });
    for (let i = 0; i < 15; i++) await store.append('wc', 'sink', { timeMs: 2 + i, message: `bad amount ${i}`, code: 'GALE_ERR_BAD_AMOUNT', data: true, count: 3 });
    await store.append('wc', 'sink', { timeMs: 20, message: 'redis: NOPERM' });
    expect((await store.list('wc', 'sink')).map((e) => [e.message, e.code, e.count])).toEqual([
      ['bad amount 14', 'GALE_ERR_BAD_AMOUNT', 45],
      ['redis: NOPERM', undefined, 2],
    ]);
    await store.removeTopology('wc');
    expect(await store.listTopology('wc')).toEqual({});
  });
});
