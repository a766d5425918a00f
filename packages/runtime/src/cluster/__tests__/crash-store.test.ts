import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { CrashStore } from '../crash-store.js';

/*
 * The crash-counts file (crash-store.ts) across launches: a crash keeps the suspects' crash counts,
 * every other message's failure count as it was (before, those were lost with the worker, and a
 * poison tuple counted elsewhere got its retries back), and the roots to report to spouts in other
 * workers, which three launches in a row report before they are dropped.
 */
describe('crash store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-crash-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const log = pino({ level: 'silent' });

  it('keeps suspects, other counts and remote roots across launches', () => {
    const first = CrashStore.open(dir, 'topo', log);
    first.recordCrash({
      suspects: [{ spout: 'numbers', spoutTask: 4, key: 'n:7', crashes: 2, bolt: 'pass', boltTask: 2 }],
      counts: [{ spout: 'numbers', spoutTask: 4, key: 'n:9', count: 1 }, { spout: 'numbers', spoutTask: 4, key: 'n:7', count: 1 }],
      remoteRoots: [123456789, 42],
    });
    const second = CrashStore.open(dir, 'topo', log);
    expect(Object.fromEntries(second.of('numbers', 4))).toEqual({ 'n:7': 2, 'n:9': 1 });
    expect(second.rootsToReport().sort()).toEqual([123456789, 42].sort());
    expect(CrashStore.open(dir, 'topo', log).rootsToReport()).toHaveLength(2);
    expect(CrashStore.open(dir, 'topo', log).rootsToReport()).toHaveLength(2);
    // Reported by three launches: dropped.
    expect(CrashStore.open(dir, 'topo', log).rootsToReport()).toEqual([]);
    expect(JSON.parse(readFileSync(path.join(dir, 'topo.json'), 'utf8'))).not.toHaveProperty('roots');
  });

  it('a crash with only counts to keep (no suspect) still writes them', () => {
    CrashStore.open(dir, 'topo', log).recordCrash({ suspects: [], counts: [{ spout: 's', spoutTask: 1, key: 's:a', count: 2 }], remoteRoots: [] });
    expect(Object.fromEntries(CrashStore.open(dir, 'topo', log).of('s', 1))).toEqual({ 's:a': 2 });
  });

  it('two workers of a topology on one supervisor keep their own files: a save of one never drops the other\'s charges or roots', async () => {
    const a = CrashStore.open(dir, 'topo', log, 6700);
    const b = CrashStore.open(dir, 'topo', log, 6701); // opened before a's crash, as a running worker is
    a.recordCrash({ suspects: [], counts: [{ spout: 's', spoutTask: 1, key: 's:poison', count: 2 }], remoteRoots: [42] });
    b.of('s', 2).set('s:other', 1);
    b.charged(); // b writes its whole copy (on the next turn: all the charges of a turn at once)
    await new Promise((resolve) => setImmediate(resolve));
    const a2 = CrashStore.open(dir, 'topo', log, 6700);
    expect(Object.fromEntries(a2.of('s', 1))).toEqual({ 's:poison': 2 });
    expect(a2.rootsToReport()).toEqual([42]);
    expect(Object.fromEntries(CrashStore.open(dir, 'topo', log, 6701).of('s', 2))).toEqual({ 's:other': 1 });
  });

  it('a slot without its own file yet starts from the per-topology file of older versions', () => {
    CrashStore.open(dir, 'topo', log).recordCrash({ suspects: [], counts: [{ spout: 's', spoutTask: 1, key: 's:a', count: 3 }], remoteRoots: [] });
    expect(Object.fromEntries(CrashStore.open(dir, 'topo', log, 6700).of('s', 1))).toEqual({ 's:a': 3 });
  });
});
