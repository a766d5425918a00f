// A tuple the transport can never send (too large for a frame, a value the wire cannot carry)
// fails the same way on every replay. The kit spouts replayed it forever (maxRetries null, the
// default): a poison tuple became an endless replay loop. Now they list those reasons in
// `deadLetterOn`: the message is dead-lettered at once and acked at the spout, while a transient
// failure ('failed') still replays. Two engines are simulated by a placement whose link fails
// every data tuple for the remote sink as the transport does (engine.failUnsendable).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, DEAD_LETTER_STREAM, TopologyBuilder, type OutputFieldsDeclarer, type Spout, type Tuple,
} from '@gale/runtime';
import { FileLineSpout, FileTailSpout, GeneratorSpout } from '@gale/spout-kit';
import { ManualEngine } from '../../../runtime/src/engine/__tests__/manual-engine.js';
import { TreeOutcome, type FailOutcome } from '../../../runtime/src/engine/tree-outcome.js';
import type { TupleImpl } from '../../../runtime/src/engine/tuple.js';

const dead: unknown[][] = [];
class DeadLetters extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    dead.push([...t.values]);
  }
}
class Sink extends BaseBasicBolt {
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(_t: Tuple): void {}
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-unsendable-'));
  dead.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spouts: Record<string, () => Spout> = {
  GeneratorSpout: () => new GeneratorSpout({ fields: ['n'], generate: (i) => [i], limit: 1 }),
  FileLineSpout: () => {
    const path = join(dir, 'one.txt');
    writeFileSync(path, 'poison\n');
    return new FileLineSpout({ path });
  },
  FileTailSpout: () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'poison\n');
    return new FileTailSpout({ path, offsetsPath: join(dir, 'offsets.json'), startAt: 'beginning', pollIntervalMs: 20 });
  },
};

/**
 * The dead letter's values without maxRetries (the engine keeps none then): the spout's own, from
 * Spout.deadLetterValues. FileLineSpout keeps no line text (it re-reads a replay from the file):
 * its message id, the line's byte offset in its file, is what finds the message.
 */
const deadValues: Record<string, unknown[]> = { GeneratorSpout: [0], FileLineSpout: [], FileTailSpout: ['poison'] };
/** Message ids: the sequence number (generator: from 0, tail: from 1), the byte offset (file lines). */
const messageIds: Record<string, unknown> = { GeneratorSpout: 0, FileLineSpout: 0, FileTailSpout: 1 };

/** Runs the spout with its one tuple failing `outcome` on every send; returns its stats after 30 s of manual time. */
async function run(make: () => Spout, outcome: FailOutcome): Promise<{ sent: number; failed: number; deadLettered: number }> {
  const b = new TopologyBuilder();
  b.setSpout('src', make());
  b.setBolt('sink', new Sink()).shuffleGrouping('src');
  b.setBolt('dlq', new DeadLetters()).shuffleGrouping('src', DEAD_LETTER_STREAM);
  const topology = b.build({ name: 'unsendable', config: { ackers: 1, messageTimeoutMs: 60_000 } });
  let sent = 0;
  // The link calls back into the engine it is built with (the closure runs only after construction).
  const m: ManualEngine = new ManualEngine(topology, {}, undefined, {
    placement: {
      isLocal: (c) => c !== 'sink',
      link: {
        sendTuple: (_task: number, t: TupleImpl) => {
          if (t.stream.control) return true;
          sent++;
          m.engine.failUnsendable(t, outcome); // what WorkerLink does on a FrameError
          return true;
        },
      },
    },
  });
  await m.start();
  try {
    // Manual time for the engine; a little real time per step for the file spout's reads, and
    // manual time held back until the first send (a read may take a while on a loaded machine).
    const realStep = (): Promise<void> => new Promise((r) => setTimeout(r, 1));
    const deadline = Date.now() + 20_000;
    while (sent === 0 && Date.now() < deadline) {
      await m.settle();
      m.advance(1);
      await realStep();
    }
    while (m.clock.now() < 30_000 && Date.now() < deadline) {
      await m.settle();
      m.advance(50);
      await realStep();
    }
    const s = m.stats('src');
    return { sent, failed: s.failed, deadLettered: s.deadLettered ?? 0 };
  } finally {
    await m.close();
  }
}

describe.each(Object.keys(spouts))('%s', (name) => {
  it.each([
    ['too-large', TreeOutcome.FAILED_TOO_LARGE],
    ['unencodable', TreeOutcome.FAILED_UNENCODABLE],
  ] as const)('dead-letters a %s message at once instead of replaying it', async (reason, outcome) => {
    const s = await run(spouts[name]!, outcome);
    expect(s).toEqual({ sent: 1, failed: 1, deadLettered: 1 });
    expect(dead).toHaveLength(1);
    // [messageId, stream, values (the spout's own: not kept by the engine without maxRetries), reason, attempts]
    expect(dead[0]).toEqual([messageIds[name], 'default', deadValues[name], reason, 1]);
  });

  it('still replays a message whose tree failed for a transient reason', async () => {
    const s = await run(spouts[name]!, TreeOutcome.FAILED);
    expect(s.deadLettered).toBe(0);
    expect(s.sent).toBeGreaterThanOrEqual(4);
    expect(s.failed).toBeGreaterThanOrEqual(s.sent - 1); // the last send's failure may not be counted yet
    expect(dead).toEqual([]);
  });
});
