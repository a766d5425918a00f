import { BaseRichBolt, DEAD_LETTER_STREAM, TopologyBuilder, type BasicBolt, type Tuple } from '@gale/runtime';
import type { CrashCounts, CrashReport } from '../crash-counts.js';
import { judgePreviousLaunch, MIN_WATCH_MS, watchWindowMs, type ExecutingTrees, type ExecutionJournal, type JournalState } from '../crash-journal.js';
import { ManualClock } from '../testing/manual-time.js';
import { ManualEngine } from './manual-engine.js';
import { ProbeSpout, RecordingBolt, SpoutProbe } from './timing-fixtures.js';

/*
 * Crashes that leave no report (crash-journal.ts), on manual time. A launch of the "worker" is an
 * engine; a SIGKILL is the bolt, on the poison id, taking what the journal holds at that moment
 * (all a killed process leaves behind) and never returning to it: the test closes that engine and
 * starts the next launch from the journal and the crash counts, as cluster/worker.ts does.
 */

/** An in-memory journal: what a file would hold after each write. */
class MemoryJournal implements ExecutionJournal {
  state: JournalState = { kind: 'none' };
  writes = 0;
  running(): void {
    this.state = { kind: 'running' };
  }
  executing(now: ExecutingTrees): void {
    this.writes++;
    this.state = { kind: 'watching', executing: { suspects: [...now.suspects], remoteRoots: [...now.remoteRoots] } };
  }
  stopped(): void {
    this.running();
  }
}

/** Crash counts as cluster/crash-store.ts keeps them, without the file. */
class MemoryCounts implements CrashCounts {
  readonly tasks = new Map<string, Map<string, number>>();
  of(component: string, taskId: number): Map<string, number> {
    const k = `${component}#${taskId}`;
    if (!this.tasks.has(k)) this.tasks.set(k, new Map());
    return this.tasks.get(k)!;
  }
  settled(): void {}
  charged(): void {}
  record(r: CrashReport): void {
    for (const s of r.suspects) {
      const m = this.of(s.spout, s.spoutTask);
      m.set(s.key, Math.max(m.get(s.key) ?? 0, s.crashes));
    }
  }
}

/** Acks everything but the poison; on the poison, "dies": keeps the journal's state as of now. */
class KillingBolt extends BaseRichBolt {
  constructor(private readonly poison: unknown, private readonly journal: MemoryJournal, private readonly died: { state?: JournalState }) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    if (t.getValue(0) === this.poison && this.died.state === undefined) {
      this.died.state = this.journal.state;
      return; // a dead process runs nothing more: no ack, no exit handler
    }
    if (this.died.state === undefined) this.collector.ack(t);
  }
}

const IDS = ['a', 'b', 'p', 'c', 'd'];

describe('crash journal (manual clock)', () => {
  it('judges how the previous launch ended', () => {
    const suspect = { spout: 's', spoutTask: 1, key: 's:p', crashes: 2, bolt: 'w', boltTask: 3 };
    expect(judgePreviousLaunch({ kind: 'none' })).toEqual({ charge: undefined, watch: false });
    expect(judgePreviousLaunch({ kind: 'clean' })).toEqual({ charge: undefined, watch: false });
    expect(judgePreviousLaunch({ kind: 'running' })).toEqual({ charge: undefined, watch: true });
    expect(judgePreviousLaunch({ kind: 'watching', executing: { suspects: [], remoteRoots: [] } })).toEqual({ charge: undefined, watch: true });
    expect(judgePreviousLaunch({ kind: 'watching', executing: { suspects: [suspect], remoteRoots: [42] } }))
      .toEqual({ charge: { suspects: [suspect], remoteRoots: [42], counts: [] }, watch: true });
    expect(watchWindowMs({ messageTimeoutMs: 1000, replayBackoffMaxMs: 0, crashWatchMs: null })).toBe(MIN_WATCH_MS);
    expect(watchWindowMs({ messageTimeoutMs: 30_000, replayBackoffMaxMs: 10_000, crashWatchMs: null })).toBe(100_000);
    // crashWatchMs set: exactly that long, 0 = never.
    expect(watchWindowMs({ messageTimeoutMs: 30_000, replayBackoffMaxMs: 10_000, crashWatchMs: 5000 })).toBe(5000);
    expect(watchWindowMs({ messageTimeoutMs: 30_000, replayBackoffMaxMs: 10_000, crashWatchMs: 0 })).toBe(0);
  });

  it('a poison that kills its worker without an exit handler is dead-lettered after one uncharged and maxRetries + 1 charged deaths; bystanders are not charged', async () => {
    const clock = new ManualClock();
    const counts = new MemoryCounts();
    const journal = new MemoryJournal();
    const acked = new Set<unknown>();
    const dead: { values: unknown[]; at: number }[] = [];
    let launches = 0;
    let deaths = 0;
    for (; launches < 10 && acked.size < IDS.length; launches++) {
      const verdict = judgePreviousLaunch(journal.state);
      if (verdict.charge !== undefined) counts.record(verdict.charge);
      journal.running();
      const spout = new SpoutProbe(clock);
      // A durable source: a launch emits what is not acked yet.
      for (const id of IDS) if (!acked.has(id)) spout.plan.push({ id, at: clock.now() });
      const died: { state?: JournalState } = {};
      const b = new TopologyBuilder();
      b.setSpout('s', () => new ProbeSpout(spout), { maxRetries: 2 });
      b.setBolt('work', () => new KillingBolt('p', journal, died)).shuffleGrouping('s');
      b.setBolt('dlq', () => new RecordingBolt(dead, clock)).globalGrouping('s', DEAD_LETTER_STREAM);
      const h = new ManualEngine(b.build({ name: 'journal', config: { ackers: 1, messageTimeoutMs: 1000 } }), {}, clock, { crashCounts: counts });
      await h.engine.start();
      if (verdict.watch) h.engine.watchExecutions(journal, clock.now() + watchWindowMs(h.engine.config));
      await h.settle();
      for (const a of spout.acks) acked.add(a.id);
      await h.close();
      if (died.state !== undefined) {
        deaths++;
        journal.state = died.state; // what the killed process left
        if (deaths === 1) expect(died.state).toEqual({ kind: 'running' }); // not watching yet: unknown
        else {
          // Only the tree executing at the moment of death, not the others in flight.
          expect(died.state).toEqual({ kind: 'watching', executing: { remoteRoots: [], suspects: [{ spout: 's', spoutTask: expect.any(Number), key: 's:p', crashes: deaths - 1, bolt: 'work', boltTask: expect.any(Number) }] } });
        }
      } else journal.state = { kind: 'clean' };
    }
    // 1 uncharged death, then 3 charged ones (maxRetries 2), then dead-lettered at its next emit.
    expect(deaths).toBe(4);
    expect(dead.map((d) => d.values[0])).toEqual(['p']);
    expect(dead[0]!.values.slice(3)).toEqual(['worker-crashed', 3]);
    expect([...acked].sort()).toEqual([...IDS].sort()); // the dead letter is acked at the spout too
  });

  it('watches only within its window, never touching the bolt instance; an async execute is recorded until it settles', async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal();
    const spout = new SpoutProbe(clock);
    const seen: ExecutingTrees[] = [];
    let release: (() => void) | undefined;
    let inst: AsyncBolt | undefined;
    class AsyncBolt extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void | Promise<void> {
        if (journal.state.kind === 'watching') seen.push(journal.state.executing);
        if (t.getValue(0) === 'slow') {
          return new Promise<void>((r) => (release = r)).then(() => this.collector.ack(t));
        }
        this.collector.ack(t);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    b.setBolt('work', () => (inst = new AsyncBolt()), { maxConcurrency: 4 }).shuffleGrouping('s');
    const h = new ManualEngine(b.build({ name: 'window', config: { ackers: 1, messageTimeoutMs: 1000 } }), {}, clock);
    try {
      await h.engine.start();
      const executeOf = (o: object): unknown => (o as Record<string, unknown>).execute;
      const untouched = (): void => {
        expect(Object.prototype.hasOwnProperty.call(inst, 'execute')).toBe(false);
        expect(executeOf(inst!)).toBe(executeOf(AsyncBolt.prototype));
      };
      const w = h.engine.watchExecutions(journal, clock.now() + 5000);
      untouched();
      spout.plan.push({ id: 'slow', at: 0 }, { id: 'x', at: 0 });
      await h.settle();
      untouched();
      // While 'x' executes, the unsettled 'slow' is executing too.
      expect(seen.map((s) => s.suspects.map((x) => x.key))).toEqual([['s:slow'], ['s:slow', 's:x']]);
      expect(journal.state).toMatchObject({ kind: 'watching', executing: { suspects: [{ key: 's:slow' }] } });
      release!();
      await h.settle();
      expect(journal.state).toEqual({ kind: 'watching', executing: { suspects: [], remoteRoots: [] } });
      expect(spout.acks.map((a) => a.id).sort()).toEqual(['slow', 'x']);
      // Past the window: the next execute ends the watch and is not recorded.
      h.advance(5000);
      const writes = journal.writes;
      spout.plan.push({ id: 'y', at: clock.now() }, { id: 'z', at: clock.now() });
      expect(await h.runUntil(() => spout.acks.length === 4, 1000)).toBe(true);
      expect(journal.writes).toBe(writes);
      expect(journal.state).toEqual({ kind: 'running' });
      expect(w.watching).toBe(false);
      untouched();
    } finally {
      await h.close();
    }
  });

  it('records the executes of a frozen bolt instance and of a basic bolt (the engine\'s execution point, not the instance)', async () => {
    const clock = new ManualClock();
    const journal = new MemoryJournal();
    const spout = new SpoutProbe(clock);
    const seen: string[][] = [];
    const look = (): void => {
      if (journal.state.kind === 'watching') seen.push(journal.state.executing.suspects.map((x) => `${x.bolt}:${x.key}`));
    };
    class FrozenBolt extends BaseRichBolt {
      declareOutputFields(): void {}
      execute(t: Tuple): void {
        look();
        this.collector.ack(t);
      }
    }
    const basic: BasicBolt = {
      basic: true,
      declareOutputFields(): void {},
      execute(): void {
        look();
      },
    };
    const b = new TopologyBuilder();
    b.setSpout('s', () => new ProbeSpout(spout));
    // Frozen after prepare (where BaseRichBolt keeps its collector): nothing can be put on it.
    b.setBolt('frozen', () => {
      const bolt = new FrozenBolt();
      const prepare = bolt.prepare.bind(bolt);
      bolt.prepare = (...args: Parameters<FrozenBolt['prepare']>) => {
        prepare(...args);
        Object.freeze(bolt);
      };
      return bolt;
    }).shuffleGrouping('s');
    b.setBolt('basic', () => Object.freeze(basic)).shuffleGrouping('s');
    const h = new ManualEngine(b.build({ name: 'frozen', config: { ackers: 1, messageTimeoutMs: 1000 } }), {}, clock);
    try {
      await h.engine.start();
      h.engine.watchExecutions(journal, clock.now() + 5000);
      spout.plan.push({ id: 'f', at: 0 });
      expect(await h.runUntil(() => spout.acks.length === 1, 1000)).toBe(true);
      expect(seen.sort()).toEqual([['basic:s:f'], ['frozen:s:f']]);
      expect(journal.state).toEqual({ kind: 'watching', executing: { suspects: [], remoteRoots: [] } });
    } finally {
      await h.close();
    }
  });
});
