import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ReadAll, TopologyRecord, TopologyStatus } from '../../coord/index.js';
import { ZkError } from '../../coord/zk-errors.js';
import { CrashSweep, crashFileTopology, crashFilesToSweep, recordStatuses } from '../crash-files.js';

/*
 * Which crash files a supervisor's sweep deletes (crash-files.ts): those of topologies killed or
 * gone that no slot of it runs — including a topology that moved to another supervisor before it
 * was killed, so no slot here left it at the kill — and nothing while ZooKeeper cannot be read.
 */

const FILES = [
  'x@6700.json', 'x@6700.journal', 'x.json', 'x@6701.json.4242.tmp', 'x.json.17.tmp', // topology x
  'x2@6700.json', 'x.y.json', 'x.y@6700.journal', // topologies x2 and x.y, not x
  'live@6700.json', 'paused.json', 'here@6702.journal', 'odd.json', // others
  'README', 'x@port.json', 'x@6700.txt', // no crash files
];

function record(name: string, status: TopologyStatus): TopologyRecord {
  return { name, status } as unknown as TopologyRecord; // only the status is read
}

function readAll(records: Record<string, TopologyStatus>, bad: string[] = []): ReadAll<TopologyRecord> {
  return {
    entries: new Map(Object.entries(records).map(([n, s]) => [n, { value: record(n, s), version: 0 }])),
    bad: bad.map((n) => new ZkError('GALE_ERR_ZK_BAD_DATA', `bad ${n}`, { path: `/gale/topologies/${n}` })),
  };
}

describe('crash file sweep', () => {
  it('names each crash file\'s topology, dots and all, and nothing else', () => {
    expect(FILES.map(crashFileTopology)).toEqual([
      'x', 'x', 'x', 'x', 'x', 'x2', 'x.y', 'x.y', 'live', 'paused', 'here', 'odd', undefined, undefined, undefined,
    ]);
  });

  it('deletes the files of topologies killed or without a record that no slot here runs', () => {
    const records = recordStatuses(readAll({ x: 'killed', x2: 'active', 'x.y': 'inactive', live: 'active', here: 'killed' }, ['odd']));
    expect(records.get('odd')).toBe('unreadable');
    const gone = crashFilesToSweep(FILES, records, new Set(['here']));
    // x killed, paused has no record; here is killed but still runs here (draining); odd is unreadable (kept).
    expect(gone).toEqual(['x@6700.json', 'x@6700.journal', 'x.json', 'x@6701.json.4242.tmp', 'x.json.17.tmp', 'paused.json']);
    // An active record keeps its files even when no slot here runs it (it moved to another supervisor).
    expect(crashFilesToSweep(['x2@6700.json'], records, new Set())).toEqual([]);
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'gale-crash-sweep-'));
      for (const f of FILES) writeFileSync(path.join(dir, f), '{}');
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const log = pino({ level: 'silent' });
    const clock = { now: () => 0, epochMs: () => 0 };

    it('removes what the decision says', async () => {
      const sweep = new CrashSweep({ dir, clock, log, records: async () => readAll({ x2: 'active', 'x.y': 'active', live: 'active', paused: 'inactive', odd: 'active' }), running: () => new Set(['here']) });
      expect((await sweep.sweep()).sort()).toEqual(['x.json', 'x.json.17.tmp', 'x@6700.journal', 'x@6700.json', 'x@6701.json.4242.tmp']);
      expect(readdirSync(dir).sort()).toEqual(FILES.filter((f) => crashFileTopology(f) !== 'x').sort());
    });

    it('deletes nothing while the records cannot be read', async () => {
      const sweep = new CrashSweep({ dir, clock, log, records: async () => { throw new ZkError('GALE_ERR_ZK_CONNECTION_LOSS', 'no ZooKeeper', { retriable: true }); }, running: () => new Set() });
      expect(await sweep.sweep()).toEqual([]);
      expect(readdirSync(dir).sort()).toEqual([...FILES].sort());
    });

    it('sweeps at most once an interval unless forced, and watches the set of records once at a time', async () => {
      let now = 0;
      let reads = 0;
      const watchers: unknown[] = [];
      const sweep = new CrashSweep({
        dir, clock: { now: () => now, epochMs: () => now }, log, intervalMs: 30_000, running: () => new Set(),
        records: async (w) => {
          reads++;
          watchers.push(w);
          return readAll({});
        },
      });
      const settled = async (): Promise<void> => {
        await new Promise((r) => setImmediate(r)); // a watch fires from ZooKeeper's callback, not inside the sweep
        await sweep.idle();
      };
      sweep.poke();
      await settled();
      sweep.poke();
      now = 29_999;
      sweep.poke();
      await settled();
      expect(reads).toBe(1);
      now = 30_000;
      sweep.poke();
      await settled();
      sweep.poke(true);
      await settled();
      expect(reads).toBe(3);
      expect(watchers.map((w) => typeof w)).toEqual(['function', 'undefined', 'undefined']);
      (watchers[0] as () => void)(); // a record came or went: sweep at once, and watch again
      await settled();
      expect(reads).toBe(4);
      expect(typeof watchers[3]).toBe('function');
      sweep.stop();
      sweep.poke(true);
      await settled();
      expect(reads).toBe(4);
    });
  });
});
