// A Supervisor object in this process against a real ZooKeeper: its typed events say when it is
// up and who leads, with no log text involved.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startZk, type ZkServer } from '../../../../../test/harness/zk.js';
import { freePort } from '../../../../../test/harness/ports.js';
import { nextEvent } from '../../../../../test/harness/wait.js';
import { rootLog } from '../../log.js';
import type { SupervisorEvents } from '../events.js';
import { Supervisor } from '../supervisor.js';

let zk: ZkServer;
let tmp: string;
const open: Supervisor[] = [];

beforeAll(async () => {
  zk = await startZk({ tickMs: 500 });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'gale-supervisor-events-'));
});
afterEach(async () => {
  for (const s of open.splice(0).reverse()) await s.close();
});
afterAll(async () => {
  await zk?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const portOf = new Map<Supervisor, number>();

async function supervisor(id: string, root: string): Promise<Supervisor> {
  const port = await freePort();
  const s = new Supervisor({
    zk: zk.connectString, zkRoot: root, id, host: '127.0.0.1', ports: [port], dir: path.join(tmp, id),
    sessionTimeoutMs: 4000, connectTimeoutMs: 5000, heartbeatMs: 500, workerTimeoutMs: 5000,
    workerMain: path.join(tmp, 'no-worker-main.js'), galeScopeDir: tmp, version: 'test', log: rootLog.child({ supervisor: id }),
  });
  open.push(s);
  portOf.set(s, port);
  return s;
}

/** Every event of `s`, in order, from now on. */
function record(s: Supervisor): { event: keyof SupervisorEvents; data: unknown }[] {
  const seen: { event: keyof SupervisorEvents; data: unknown }[] = [];
  for (const event of ['ready', 'leader.elected', 'leader.lost'] as const) s.on(event, (data) => seen.push({ event, data }));
  return seen;
}

describe('supervisor events (in process, real ZooKeeper)', () => {
  test('the first supervisor is ready and elected; the second takes over when the first closes', async () => {
    const root = '/sup-events-a';
    const a = await supervisor('sup-a', root);
    const aEvents = record(a);
    const aReady = nextEvent<SupervisorEvents['ready']>((l) => a.on('ready', l));
    const aElected = nextEvent<SupervisorEvents['leader.elected']>((l) => a.on('leader.elected', l));
    await a.start();
    expect(await aReady).toEqual({ id: 'sup-a', host: '127.0.0.1', ports: [portOf.get(a)] });
    expect(await aElected).toEqual({ id: 'sup-a' });
    expect(a.isLeader).toBe(true);

    const b = await supervisor('sup-b', root);
    const bEvents = record(b);
    await b.start();
    expect(bEvents).toEqual([{ event: 'ready', data: expect.objectContaining({ id: 'sup-b' }) }]);
    expect(b.isLeader).toBe(false);

    const bElected = nextEvent<SupervisorEvents['leader.elected']>((l) => b.on('leader.elected', l), () => true, { timeoutMs: 10_000 });
    await a.close();
    expect(await bElected).toEqual({ id: 'sup-b' });
    expect(aEvents.map((e) => e.event)).toEqual(['leader.elected', 'ready', 'leader.lost']);
  });

  test('a listener that throws does not reach the supervisor', async () => {
    const s = await supervisor('sup-throws', '/sup-events-b');
    s.on('ready', () => {
      throw new Error('listener bug');
    });
    const ready = nextEvent<SupervisorEvents['ready']>((l) => s.on('ready', l));
    await expect(s.start()).resolves.toBe(s);
    expect((await ready).id).toBe('sup-throws');
  });
});
