import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStateStores, StateError } from '@gale/runtime';

describe('file state backend', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ns = { topology: 'totals', component: 'count', taskIndex: 1 };

  it('prepare then commit makes the snapshot the committed state; a commit of another txid changes nothing', async () => {
    const stores = new FileStateStores(dir);
    const s = stores.open(ns);
    expect(await s.load()).toEqual({ committed: { txid: 0, entries: [] }, prepared: undefined });
    await s.prepare({ txid: 1, entries: [['"a"', 1]] });
    expect((await s.load()).committed.txid).toBe(0);
    await s.commit(2);
    expect((await s.load()).committed.txid).toBe(0);
    await s.commit(1);
    expect(await s.load()).toEqual({ committed: { txid: 1, entries: [['"a"', 1]] }, prepared: undefined });
    await s.commit(1); // idempotent
    // A second provider on the same directory (a redeployed topology) sees the same state.
    expect((await new FileStateStores(dir).open(ns).load()).committed.entries).toEqual([['"a"', 1]]);
    // Written by rename: no temp file left behind.
    expect(readdirSync(path.dirname(stores.pathOf(ns)))).toEqual(['task-1.json']);
  });

  it('keys the file by topology, component and task index', () => {
    const p = new FileStateStores(dir).pathOf(ns);
    expect(p).toBe(path.join(dir, 'totals', 'count', 'task-1.json'));
  });

  it.each([
    ['not JSON', '{"format": "gale-st'],
    ['another file', '{"hello": 1}'],
    ['a bad snapshot', '{"format":"gale-state/1","committed":{"txid":-1,"entries":[]},"prepared":null}'],
  ])('a corrupt file (%s) is a StateError naming the file, and is left untouched', async (_what, text) => {
    const stores = new FileStateStores(dir);
    const file = stores.pathOf(ns);
    await stores.open(ns).prepare({ txid: 1, entries: [] });
    writeFileSync(file, text);
    const err = await stores.open(ns).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('GALE_ERR_STATE_CORRUPT');
    expect((err as StateError).message).toContain(`state file ${file} is corrupt`);
    await expect(stores.open(ns).prepare({ txid: 2, entries: [] })).rejects.toThrow(/is corrupt/);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
