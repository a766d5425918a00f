import {
  BaseBasicBolt, BaseRichBolt, BaseRichSpout, DEAD_LETTER_FIELDS, DEAD_LETTER_STREAM, LocalCluster, TOPOLOGY_CONFIG_DEFAULTS, TopologyBuilder,
  coerceConfigString, parseTopologyConfig, type OutputFieldsDeclarer, type SpoutOptions, type Topology, type Tuple, type Values,
} from '@gale/runtime';
import { NumberedSpout } from './numbered-spout.js';
import { Engine } from '../../engine/engine.js';
import { ManualEngine } from '../../engine/__tests__/manual-engine.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../node-ports.js';

/** What one run saw; tasks are copies of the instances passed to the builder, so state lives here. */
interface Ledger {
  ackCalls: number;
  acked: Set<number>;
  failsOf: Map<number, number>;
  /** Ids the downstream bolt processed successfully (with duplicates). */
  processed: number[];
  /** Executions of the poisoned bolt per id. */
  executions: Map<number, number>;
  /** Values received on the dead-letter stream. */
  deadLetters: Values[];
}
const ledgers = new Map<string, Ledger>();
function ledger(key: string): Ledger {
  const l: Ledger = { ackCalls: 0, acked: new Set(), failsOf: new Map(), processed: [], executions: new Map(), deadLetters: [] };
  ledgers.set(key, l);
  return l;
}

/** The numbered spout, recording acks and failures per id in the ledger `key`. */
function numbered(key: string, n: number): NumberedSpout {
  return new NumberedSpout(n, {
    ack: (id) => {
      const l = ledgers.get(key)!;
      l.ackCalls++;
      l.acked.add(id);
    },
    fail: (id) => {
      const l = ledgers.get(key)!;
      l.failsOf.set(id, (l.failsOf.get(id) ?? 0) + 1);
    },
  });
}

/** Throws, every time, for the ids `poisoned` selects; forwards the others (anchored). */
class PoisonedBolt extends BaseBasicBolt {
  constructor(private readonly key: string, private readonly poisoned: (id: number) => boolean) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  execute(t: Tuple, c: { emit(values: Values): void }): void {
    const id = t.getValue(0) as number;
    const l = ledgers.get(this.key)!;
    l.executions.set(id, (l.executions.get(id) ?? 0) + 1);
    if (this.poisoned(id)) throw new Error(`cannot process id ${id}`);
    c.emit([id]);
  }
}

/** Never acks the ids `held` selects (their trees time out); acks and records the rest. */
class HoldingBolt extends BaseRichBolt {
  constructor(private readonly key: string, private readonly held: (id: number) => boolean) {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const id = t.getValue(0) as number;
    if (this.held(id)) return;
    ledgers.get(this.key)!.processed.push(id);
    this.collector.ack(t);
  }
}

class Recorder extends BaseBasicBolt {
  constructor(private readonly key: string, private readonly what: 'processed' | 'deadLetters') {
    super();
  }
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const l = ledgers.get(this.key)!;
    if (this.what === 'processed') l.processed.push(t.getValue(0) as number);
    else l.deadLetters.push([...t.values]);
  }
}

const isPoison = (id: number): boolean => id % 50 === 7;

/** numbers -> work (throws on poison) -> sink; dlq subscribes to numbers' dead-letter stream. */
function poisonTopology(key: string, n: number, config: object, spoutOptions: SpoutOptions = {}, withDlq = true): Topology {
  const b = new TopologyBuilder();
  b.setSpout('numbers', numbered(key, n), spoutOptions);
  b.setBolt('work', new PoisonedBolt(key, isPoison), 2).shuffleGrouping('numbers');
  b.setBolt('sink', new Recorder(key, 'processed')).shuffleGrouping('work');
  if (withDlq) b.setBolt('dlq', new Recorder(key, 'deadLetters')).shuffleGrouping('numbers', DEAD_LETTER_STREAM);
  return b.build({ name: key, config: { messageTimeoutMs: 30_000, ...config } });
}

describe('dead-letter stream (maxRetries)', () => {
  it('a poison tuple is replayed maxRetries times, then dead-lettered once and acked; the rest flows and the run completes', async () => {
    const key = 'poison';
    const n = 1000;
    const l = ledger(key);
    const poison = Array.from({ length: n }, (_, i) => i + 1).filter(isPoison);
    const errors: string[] = [];
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(poisonTopology(key, n, { maxRetries: 3, maxSpoutPending: 100 }), {
        onError: (e) => errors.push(`${e.component}: ${e.message}`),
      });
      expect(await t.waitUntilDone(30_000)).toBe(true);

      // Every id is finally acked at the spout, exactly once (dead-lettered ones included).
      expect(l.acked.size).toBe(n);
      expect(l.ackCalls).toBe(n);
      // Poison ids: failed (and replayed) 3 times, executed 4 times, dead-lettered once with attempts 4.
      for (const id of poison) {
        expect(l.failsOf.get(id)).toBe(3);
        expect(l.executions.get(id)).toBe(4);
      }
      expect([...l.failsOf.keys()].sort((a, b) => a - b)).toEqual(poison);
      expect(l.deadLetters.map((v) => v[0]).sort((a, b) => (a as number) - (b as number))).toEqual(poison);
      for (const v of l.deadLetters) expect(v).toEqual([v[0], 'default', [v[0]], 'failed', 4]);
      // Every other id was processed (at least once; here exactly once, nothing else failed).
      const processed = new Set(l.processed);
      for (let id = 1; id <= n; id++) expect(processed.has(id)).toBe(!isPoison(id));

      // The bolt's errors are reported, one per attempt; the topology keeps running.
      expect(errors).toHaveLength(poison.length * 4);
      expect(errors[0]).toMatch(/^work: cannot process id \d+$/);
      expect(t.errors('work').length).toBeGreaterThan(0);
      expect(t.engine.isActive).toBe(true);

      const spout = t.stats().find((s) => s.component === 'numbers')!;
      expect(spout.deadLettered).toBe(poison.length);
      expect(spout.acked).toBe(n - poison.length);
      expect(spout.failed).toBe(poison.length * 4);
      expect(spout.timedOut).toBe(0);
      expect(spout.pending).toBe(0);
      expect(t.stats().find((s) => s.component === 'work')!.errors).toBe(poison.length * 4);
      expect(t.stats().find((s) => s.component === 'dlq')!.executed).toBe(poison.length);
      expect(t.stats().find((s) => s.component === '__acker')!.pending).toBe(0);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('a tree that keeps timing out is dead-lettered with reason "timed-out"', async () => {
    const key = 'timeout';
    const l = ledger(key);
    const b = new TopologyBuilder();
    b.setSpout('numbers', numbered(key, 20));
    b.setBolt('hold', new HoldingBolt(key, (id) => id === 5)).shuffleGrouping('numbers');
    b.setBolt('dlq', new Recorder(key, 'deadLetters')).globalGrouping('numbers', DEAD_LETTER_STREAM);
    // Manual time: the two 200 ms timeouts pass without waiting for them.
    const t = new ManualEngine(b.build({ name: key, config: { messageTimeoutMs: 200, maxRetries: 1 } }));
    try {
      await t.start();
      // Done: every id acked and nothing in flight (the spout is then exhausted).
      expect(await t.runUntil(() => l.acked.size === 20 && t.engine.isQuiescent(), 10_000)).toBe(true);
      expect(l.deadLetters).toEqual([[5, 'default', [5], 'timed-out', 2]]);
      expect(l.failsOf).toEqual(new Map([[5, 1]]));
      expect(l.acked.size).toBe(20);
      expect(new Set(l.processed).size).toBe(19);
      const spout = t.engine.stats().find((s) => s.component === 'numbers')!;
      expect(spout.timedOut).toBe(2);
      expect(spout.deadLettered).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('with maxRetries null (the default) a poison tuple is retried forever and never dead-lettered', async () => {
    const key = 'forever';
    const l = ledger(key);
    const cluster = new LocalCluster();
    try {
      // Replay backoff off: 20 failures of one id under the default backoff take minutes (replay-backoff.test.ts covers it).
      const t = await cluster.submit(poisonTopology(key, 10, { replayBackoffInitialMs: 0 }));
      expect(t.config.maxRetries).toBeNull();
      // Far more failures than any small maxRetries would allow.
      expect(await t.waitUntil(() => (l.failsOf.get(7) ?? 0) > 20, 10_000)).toBe(true);
      expect(l.acked.has(7)).toBe(false);
      expect(l.deadLetters).toEqual([]);
      expect(t.stats().find((s) => s.component === 'numbers')!.deadLettered).toBe(0);
      expect(t.engine.allSpoutsExhausted()).toBe(false);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it("a spout's maxRetries option overrides the topology's: a number, 0, or null (forever)", async () => {
    const cluster = new LocalCluster();
    try {
      // Spout option 0 over topology null: the first failure dead-letters.
      const zero = ledger('zero');
      const t0 = await cluster.submit(poisonTopology('zero', 10, {}, { maxRetries: 0 }));
      expect(await t0.waitUntilDone(10_000)).toBe(true);
      expect(zero.deadLetters).toEqual([[7, 'default', [7], 'failed', 1]]);
      expect(zero.failsOf.size).toBe(0);

      // Spout option null over topology 1: retried forever.
      const never = ledger('never');
      const t1 = await cluster.submit(poisonTopology('never', 10, { maxRetries: 1 }, { maxRetries: null }));
      expect(await t1.waitUntil(() => (never.failsOf.get(7) ?? 0) > 5, 10_000)).toBe(true);
      expect(never.deadLetters).toEqual([]);

      // A submit-time override applies to spouts without their own option.
      const late = ledger('late');
      const t2 = await cluster.submit(poisonTopology('late', 10, {}), { config: { maxRetries: 2 } });
      expect(await t2.waitUntilDone(10_000)).toBe(true);
      expect(late.deadLetters).toEqual([[7, 'default', [7], 'failed', 3]]);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('with no subscriber, each dead-lettered tuple is logged once at warn level and counted', async () => {
    const key = 'unsubscribed';
    const l = ledger(key);
    const warnings: Record<string, unknown>[] = [];
    const log = { error() {}, info() {}, debug() {}, warn: (obj: object) => warnings.push(obj as Record<string, unknown>) };
    const emits: string[] = [];
    const engine = new Engine({
      topology: poisonTopology(key, 120, { maxRetries: 2 }, {}, false),
      // Replay backoff off: its random jitter would make the order of the dead-letters vary.
      config: parseTopologyConfig({ maxRetries: 2, messageTimeoutMs: 30_000, replayBackoffInitialMs: 0 }),
      clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
      onEmit: (c, s) => emits.push(`${c}/${s}`),
    });
    try {
      await engine.start();
      expect(await engine.waitUntil(() => engine.allSpoutsExhausted() && engine.isQuiescent(), 10_000)).toBe(true);
      expect(l.acked.size).toBe(120);
      expect(warnings).toEqual([7, 57, 107].map((id) => expect.objectContaining({ component: 'numbers', messageId: id, attempts: 3, reason: 'failed' })));
      expect(warnings).toHaveLength(3);
      expect(emits).not.toContain(`numbers/${DEAD_LETTER_STREAM}`);
      expect(engine.stats().find((s) => s.component === 'numbers')!.deadLettered).toBe(3);
    } finally {
      await engine.close(0);
    }
  });
});

describe('dead-letter configuration and wiring', () => {
  it('maxRetries is an integer >= 0 or null', () => {
    expect(TOPOLOGY_CONFIG_DEFAULTS.maxRetries).toBeNull();
    expect(parseTopologyConfig({ maxRetries: 0 }).maxRetries).toBe(0);
    expect(parseTopologyConfig({ maxRetries: 5 }).maxRetries).toBe(5);
    expect(parseTopologyConfig({ maxRetries: null }).maxRetries).toBeNull();
    for (const bad of [-1, 1.5, '3', true, Number.NaN, Infinity, {}]) {
      expect(() => parseTopologyConfig({ maxRetries: bad })).toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_VALUE' }));
    }
    expect(() => parseTopologyConfig({ maxRetries: -1 })).toThrow('config key "maxRetries" must be an integer >= 0 or null, got -1');
    expect(() => parseTopologyConfig({ maxRetrys: 3 })).toThrow(/did you mean "maxRetries"/);
    expect(coerceConfigString('maxRetries', '3')).toBe(3);
    expect(coerceConfigString('maxRetries', 'null')).toBeNull();
    const b = new TopologyBuilder();
    b.setSpout('s', numbered('x', 1));
    expect(() => b.build({ name: 't', config: { maxRetries: -2 } })).toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_VALUE' }));
  });

  it('setSpout validates its maxRetries option', () => {
    const b = new TopologyBuilder();
    for (const bad of [-1, 0.5, '2', Number.NaN]) {
      expect(() => b.setSpout(`s${String(bad)}`.replace(/[^A-Za-z0-9]/g, ''), numbered('x', 1), { maxRetries: bad as number }))
        .toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    }
    b.setSpout('zero', numbered('x', 1), { maxRetries: 0 });
    b.setSpout('none', numbered('x', 1), { maxRetries: null });
    const t = b.build({ name: 't' });
    expect(t.components.get('zero')).toMatchObject({ maxRetries: 0 });
    expect(t.components.get('none')).toMatchObject({ maxRetries: null });
  });

  it("every spout has the reserved dead-letter stream; bolts may subscribe to it but not declare or emit on it", async () => {
    const b = new TopologyBuilder();
    b.setSpout('s', numbered('x', 1));
    b.setBolt('dlq', new Recorder('x', 'deadLetters')).fieldsGrouping('s', ['messageId'], DEAD_LETTER_STREAM);
    const t = b.build({ name: 'wired' });
    expect(t.components.get('s')!.streams.get(DEAD_LETTER_STREAM)!.fields.names).toEqual([...DEAD_LETTER_FIELDS]);
    expect(DEAD_LETTER_FIELDS).toEqual(['messageId', 'stream', 'values', 'reason', 'attempts']);

    // Bolts have no dead-letter stream.
    const b2 = new TopologyBuilder();
    b2.setSpout('s', numbered('x', 1));
    b2.setBolt('w', new PoisonedBolt('x', () => false)).shuffleGrouping('s');
    b2.setBolt('dlq', new Recorder('x', 'deadLetters')).shuffleGrouping('w', DEAD_LETTER_STREAM);
    expect(() => b2.build({ name: 'bad' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_UNKNOWN_STREAM' }));
    // A typo of the reserved name is suggested; the listing shows what the spout declared.
    const b2b = new TopologyBuilder();
    b2b.setSpout('s', numbered('x', 1));
    b2b.setBolt('dlq', new Recorder('x', 'deadLetters')).shuffleGrouping('s', '__dead_leter');
    expect(() => b2b.build({ name: 'bad' })).toThrow('which declares only [default] (did you mean "__dead_letter"?)');

    // It is not direct.
    const b3 = new TopologyBuilder();
    b3.setSpout('s', numbered('x', 1));
    b3.setBolt('dlq', new Recorder('x', 'deadLetters')).directGrouping('s', DEAD_LETTER_STREAM);
    expect(() => b3.build({ name: 'bad' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_DIRECT_MISMATCH' }));

    // Components cannot declare it.
    class Declares extends NumberedSpout {
      override declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declareStream(DEAD_LETTER_STREAM, [...DEAD_LETTER_FIELDS]);
      }
    }
    const b4 = new TopologyBuilder();
    b4.setSpout('s', new Declares(1));
    expect(() => b4.build({ name: 'bad' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_STREAM' }));

    // A spout cannot emit on it itself.
    class Forges extends BaseRichSpout {
      private done = false;
      declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declare(['id']);
      }
      nextTuple(): void {
        if (this.done) return;
        this.done = true;
        this.collector.emitStream(DEAD_LETTER_STREAM, [1, 'default', [1], 'failed', 1]);
      }
    }
    const b5 = new TopologyBuilder();
    b5.setSpout('s', new Forges());
    b5.setBolt('dlq', new Recorder('forge', 'deadLetters')).shuffleGrouping('s', DEAD_LETTER_STREAM);
    const forged = ledger('forge');
    const cluster = new LocalCluster();
    try {
      const run = await cluster.submit(b5.build({ name: 'forge' }));
      expect(await run.waitUntil(() => run.errors('s').length > 0, 5000)).toBe(true);
      expect(run.errors('s')[0]!.message).toMatch(/emitted on stream "__dead_letter", which it did not declare/);
      expect(forged.deadLetters).toEqual([]);
    } finally {
      await cluster.shutdown(0);
    }
  });
});
