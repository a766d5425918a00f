// Records that can never cross between workers (issue 13, item 2): one larger than a frame (4 MiB),
// one holding a value the wire cannot carry. Two engines, each behind a real WorkerLink on a
// loopback port. Before, a too-large record was dropped by the batcher with a log line nobody
// acted on (the 'dropped' event had no subscriber): its tree timed out and was dead-lettered as
// "timed-out". Now its tree fails at once with the reason, which reaches the spout's fail() and
// the dead letter — from a spout emit and from a bolt emit (through the acker) alike.
// The dead-letter subscriber runs in the other worker: a dead letter carrying the values the
// transport refused was itself refused (untracked, so it vanished while the spout was acked);
// now it goes out with empty values. Run with maxRetries (the engine keeps the values) and
// without (the spout's deadLetterOn and deadLetterValues, as the kit spouts do).
import { freePort } from '../../../../../test/harness/ports.js';
import { BaseRichBolt, BaseRichSpout } from '../../api/base.js';
import { TopologyBuilder } from '../../api/builder.js';
import { DEAD_LETTER_STREAM, UNSENDABLE_FAIL_REASONS, type FailReason, type OutputFieldsDeclarer, type Tuple } from '../../api/types.js';
import { parseTopologyConfig } from '../../config/topology-config.js';
import type { Assignment } from '../../coord/index.js';
import { Engine } from '../../engine/engine.js';
import { CryptoIds, nodeClock, nodeScheduler } from '../../local/node-ports.js';
import { rootLog } from '../../log.js';
import { WorkerLink } from '../worker-link.js';

const BIG = 'x'.repeat(10 * 1024 * 1024);
const IDS = [1, 2, 3, 4, 5, 6];
/** id → what the spout emits as payload: 3 and 5 become too large (5 in the relay bolt), 4 unencodable. */
function payload(id: number): unknown {
  if (id === 3) return BIG;
  if (id === 4) return new Map([[1, 2]]);
  if (id === 5) return 'grow';
  return 'ok';
}

const fails: { id: number; reason: FailReason }[] = [];
const acked: number[] = [];
const dead: { id: unknown; values: unknown; reason: unknown; attempts: unknown }[] = [];
const sunk: number[] = [];
let waiter: (() => void) | undefined;
const poke = (): void => waiter?.();

class Src extends BaseRichSpout {
  private next = 0;
  private readonly emitted = new Map<unknown, unknown[]>();
  private replays: number[] = [];
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'payload']);
  }
  nextTuple(): void {
    const id = this.replays.shift() ?? IDS[this.next++];
    if (id === undefined) return;
    const values = [id, payload(id)];
    this.emitted.set(id, values);
    this.collector.emit(values, id);
  }
  deadLetterValues(id: unknown): unknown[] | undefined {
    return this.emitted.get(id);
  }
  override ack(id: unknown): void {
    this.emitted.delete(id);
    acked.push(id as number);
    poke();
  }
  override fail(id: unknown, reason: FailReason): void {
    fails.push({ id: id as number, reason });
    this.replays.push(id as number);
    poke();
  }
}

/** Runs in the other worker; id 5's tuple grows past a frame here. */
class Relay extends BaseRichBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id', 'payload']);
  }
  execute(t: Tuple): void {
    this.collector.emit([t.values[0], t.values[1] === 'grow' ? BIG : t.values[1]], t);
    this.collector.ack(t);
  }
}

class Sink extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    sunk.push(t.values[0] as number);
    this.collector.ack(t);
  }
}

class DeadLetters extends BaseRichBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    dead.push({ id: t.values[0], values: t.values[2], reason: t.values[3], attempts: t.values[4] });
    this.collector.ack(t);
    poke();
  }
}

class SrcDeadLetterOn extends Src {
  readonly deadLetterOn = UNSENDABLE_FAIL_REASONS;
}

beforeEach(() => {
  for (const a of [fails, acked, dead, sunk] as unknown[][]) a.length = 0;
});

test.each([
  ['with maxRetries 1 (the engine keeps the values)', 1 as number | undefined],
  ['without maxRetries, deadLetterOn (the spout keeps the values)', undefined],
])('too-large and unencodable records fail their trees at once, with the reason, to fail() and a dead letter in another worker: %s', async (_name, maxRetries) => {
  const b = new TopologyBuilder();
  if (maxRetries === undefined) b.setSpout('src', () => new SrcDeadLetterOn(), { parallelism: 1 });
  else b.setSpout('src', () => new Src(), { parallelism: 1, maxRetries });
  b.setBolt('relay', () => new Relay(), 1).shuffleGrouping('src');
  b.setBolt('sink', () => new Sink(), 1).shuffleGrouping('relay');
  b.setBolt('dead', () => new DeadLetters(), 1).shuffleGrouping('src', DEAD_LETTER_STREAM);
  // A timeout far longer than the test: a failure seen here was not a timeout.
  const topology = b.build({ name: 'unsendable', workers: 2, config: { ackers: 1, messageTimeoutMs: 120_000, replayBackoffInitialMs: 0 } });
  const config = parseTopologyConfig({}, topology.config);
  const [portA, portB] = [await freePort(), await freePort()];
  const inA = new Set(['src#0', 'sink#0', '__acker#0']);
  const assignment: Assignment = {
    topology: 'unsendable', version: 1, codeSha256: 'x', parallelism: { src: 1, relay: 1, sink: 1, dead: 1, __acker: 1 },
    workers: [
      { supervisor: 'a', host: '127.0.0.1', port: portA, executors: [...inA] },
      { supervisor: 'b', host: '127.0.0.1', port: portB, executors: ['relay#0', 'dead#0'] },
    ],
  };
  const log = rootLog.child({ test: 'unsendable' });
  const workers = [{ sup: 'a', port: portA, local: (k: string) => inA.has(k) }, { sup: 'b', port: portB, local: (k: string) => !inA.has(k) }].map((w) => {
    const link = new WorkerLink({ supervisor: w.sup, host: '127.0.0.1', port: w.port, topology: 'unsendable', secret: 'a-test-secret-of-32-bytes-length', epoch: 1, log });
    const engine = new Engine({
      topology, config, clock: nodeClock, scheduler: nodeScheduler, ids: new CryptoIds(), random: Math.random, log,
      placement: { isLocal: (c, i) => w.local(`${c}#${i}`), link, parallelism: assignment.parallelism },
    });
    return { link, engine };
  });
  try {
    for (const w of workers) await w.link.listen(w.engine);
    for (const w of workers) w.link.route(assignment);
    const started = Date.now();
    await Promise.all(workers.map((w) => w.engine.start()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not settled: acked ${JSON.stringify(acked)} fails ${JSON.stringify(fails)} dead ${JSON.stringify(dead)}`)), 30_000);
      waiter = () => {
        if (acked.length === IDS.length) {
          clearTimeout(timer);
          resolve();
        }
      };
      waiter();
    });
    const tookMs = Date.now() - started;
    expect([...acked].sort()).toEqual(IDS); // dead letters are acked at the spout
    expect([...sunk].sort()).toEqual([1, 2, 6]);
    const byId = (a: { id: unknown }, c: { id: unknown }): number => (a.id as number) - (c.id as number);
    // Without maxRetries the first unsendable failure is terminal (deadLetterOn): never handed to fail().
    const attempts = maxRetries === undefined ? 1 : maxRetries + 1;
    expect([...fails].sort(byId)).toEqual(maxRetries === undefined ? [] : [{ id: 3, reason: 'too-large' }, { id: 4, reason: 'unencodable' }, { id: 5, reason: 'too-large' }]);
    await until(() => dead.length === 3);
    // 3 and 4: the spout's values are what the transport refused, so the dead letter has none;
    // 5 grew too large in the relay: the spout's own values travel.
    expect([...dead].sort(byId)).toEqual([
      { id: 3, values: [], reason: 'too-large', attempts }, { id: 4, values: [], reason: 'unencodable', attempts },
      { id: 5, values: [5, 'grow'], reason: 'too-large', attempts },
    ]);
    expect(tookMs).toBeLessThan(20_000); // messageTimeoutMs is 120 s
    const errors = workers.flatMap((w) => w.engine.errors());
    expect(errors.some((e) => e.component === 'src' && /GALE_ERR_FRAME_TOO_LARGE|exceeds maxPayloadBytes/.test(e.message))).toBe(true);
    expect(errors.some((e) => e.component === 'relay' && /exceeds maxPayloadBytes/.test(e.message))).toBe(true);
  } finally {
    for (const w of workers) await w.engine.close(0).catch(() => {});
    for (const w of workers) await w.link.close();
  }
}, 60_000);

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
