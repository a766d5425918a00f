import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoutOutputCollector, TopologyContext } from '@gale/runtime';
import { FileLineSpout, type FileLineSpoutOptions } from '@gale/spout-kit';
import type { ReplayReader } from '../replay-reader.js';

// The spout driven by hand (no cluster): what its replay reads do between nextTuple calls.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-fls-replay-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const context = { thisComponentId: 'lines', componentTasks: () => [1], config: { ackers: 1 } } as unknown as TopologyContext;

interface Emit { value: unknown; id: unknown }

/** The spout's per-task state, as far as these tests look into it. */
interface Inside { replayer: ReplayReader; handle: { read: (...a: unknown[]) => Promise<unknown> } }

async function harness(options: FileLineSpoutOptions) {
  const emits: Emit[] = [];
  const errors: Error[] = [];
  const collector = {
    emit: (values: unknown[], id: unknown) => emits.push({ value: values[0], id }),
    emitStream: () => undefined,
    reportError: (e: Error) => errors.push(e),
  } as unknown as SpoutOutputCollector;
  const spout = new FileLineSpout(options);
  await spout.open(context, collector);
  const inside = (spout as unknown as { state: Inside }).state;
  const step = async (): Promise<void> => {
    await spout.nextTuple();
  };
  return { spout, emits, errors, inside, step };
}

function lines(n: number): string {
  return Array.from({ length: n }, (_, i) => `line ${i}`).join('\n') + '\n';
}

describe('FileLineSpout replay reads', () => {
  it('drops the replay window once the replay queue is empty', async () => {
    const path = join(dir, 'a.txt');
    writeFileSync(path, lines(20));
    const h = await harness({ path, chunkBytes: 64 });
    try {
      while (h.emits.length < 20) await h.step();
      h.spout.fail(h.emits[3]!.id);
      h.spout.fail(h.emits[4]!.id);
      await h.step(); // reads a window from line 3
      expect(h.emits.at(-1)).toEqual({ value: 'line 3', id: h.emits[3]!.id });
      expect(h.inside.replayer.holding).toBe(true); // line 4 is still queued
      await h.step(); // line 4 from the window: the queue is empty now
      expect(h.emits.at(-1)).toEqual({ value: 'line 4', id: h.emits[4]!.id });
      expect(h.inside.replayer.holding).toBe(false);
    } finally {
      await h.spout.close();
    }
  });
});
