import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoutOutputCollector, TopologyContext } from '@gale/runtime';
import { FileLineSpout, type FileLineSpoutOptions } from '@gale/spout-kit';
import type { ReplayReader } from '../replay-reader.js';
import { FILE_READ_ATTEMPTS } from '../read-backoff.js';

// The spout driven by hand (no cluster): what its reads, forward and replay, do between nextTuple calls.

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
interface Inside {
  replayer: ReplayReader;
  handle: { read: (...a: unknown[]) => Promise<unknown> };
  eof: boolean;
  reading: Promise<void> | undefined;
}

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

/** Emits every line of the file (and reads to its end), then makes every read of the handle go through `read`. */
async function readAllThen(h: Awaited<ReturnType<typeof harness>>, n: number, read: (orig: Inside['handle']['read'], a: unknown[]) => Promise<unknown>): Promise<void> {
  while (h.emits.length < n || !h.inside.eof || h.inside.reading !== undefined) await h.step();
  const handle = h.inside.handle;
  const orig = handle.read.bind(handle);
  handle.read = (...a: unknown[]) => read(orig, a);
}

const eio = (): Promise<never> => Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));

/** Date.now() as the test sets it (the spout times its read retries by it). */
let now = 1_000_000;
beforeEach(() => {
  now = 1_000_000;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => {
  jest.restoreAllMocks();
});

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

  it('retries a failed replay read after a backoff, not at the next call, and replays the line once it reads', async () => {
    const path = join(dir, 'b.txt');
    writeFileSync(path, lines(10));
    const h = await harness({ path, chunkBytes: 1024 });
    try {
      const id = 5 * 'line 0\n'.length; // the offset of line 5, its message id
      let reads = 0;
      let failing = 2;
      await readAllThen(h, 10, (orig, a) => {
        if (a[3] === id) reads++; // the first read of an attempt (a read goes on to the file's end)
        return failing-- > 0 ? eio() : orig(...a);
      });
      expect(h.emits[5]).toEqual({ value: 'line 5', id });
      h.spout.fail(id);
      await h.step();
      expect(reads).toBe(1);
      expect(h.errors).toHaveLength(1);
      expect(h.errors[0]).toMatchObject({ code: 'GALE_ERR_FILE_READ', retriable: true });
      for (let i = 0; i < 5; i++) await h.step(); // same instant: no read
      now += 79; // the first delay is 100 ms ± 20%
      await h.step();
      expect(reads).toBe(1);
      expect(h.spout.isExhausted()).toBe(false); // the line waits for its retry
      now += 41;
      await h.step();
      expect(reads).toBe(2); // failed again: the delay doubles (200 ms ± 20%)
      expect(h.errors).toHaveLength(2);
      expect(h.errors[1]).toMatchObject({ code: 'GALE_ERR_FILE_READ', retriable: true });
      now += 159;
      await h.step();
      expect(reads).toBe(2);
      now += 81;
      await h.step();
      expect(reads).toBe(3);
      expect(h.emits).toHaveLength(11);
      expect(h.emits[10]).toEqual({ value: 'line 5', id });
      expect(h.errors).toHaveLength(2);
      for (const e of h.emits) h.spout.ack(e.id);
      expect(h.spout.isExhausted()).toBe(true);
    } finally {
      await h.spout.close();
    }
  });

  it(`gives up on a line after ${FILE_READ_ATTEMPTS} failed reads spaced by the backoff, reporting each, and drops it`, async () => {
    const path = join(dir, 'c.txt');
    writeFileSync(path, lines(10));
    const h = await harness({ path, chunkBytes: 1024 });
    try {
      let reads = 0;
      await readAllThen(h, 10, () => {
        reads++;
        return eio();
      });
      const start = now;
      h.spout.fail(h.emits[2]!.id);
      for (let i = 0; i < 1000 && h.errors.length < FILE_READ_ATTEMPTS; i++) {
        await h.step();
        now += 50;
      }
      expect(reads).toBe(FILE_READ_ATTEMPTS);
      expect(now - start).toBeGreaterThan(8_000); // 100 ms doubling to 5 s, jittered: about 11 s
      expect(h.errors.map((e) => (e as Error & { code: string }).code)).toEqual(Array(FILE_READ_ATTEMPTS).fill('GALE_ERR_FILE_READ'));
      expect(h.errors.slice(0, -1).every((e) => (e as Error & { retriable: boolean }).retriable)).toBe(true);
      expect(h.errors.at(-1)).toMatchObject({ retriable: false });
      expect(h.errors.at(-1)!.message).toMatch(/giving up, the line \(its whole batch or tree\) is dropped/);
      expect(h.emits).toHaveLength(10); // never replayed
      for (const e of h.emits) h.spout.ack(e.id);
      expect(h.spout.isExhausted()).toBe(true); // the dropped line counts as done
    } finally {
      await h.spout.close();
    }
  });
});

describe('FileLineSpout forward reads', () => {
  /** Opens the spout on 20 lines with 32-byte chunks and emits until some lines are out and no read is in flight. */
  async function midFile(name: string) {
    const path = join(dir, name);
    writeFileSync(path, lines(20));
    const h = await harness({ path, chunkBytes: 32 });
    while (h.emits.length < 3 || h.inside.reading !== undefined) await h.step();
    expect(h.inside.eof).toBe(false);
    return h;
  }

  it('retries a failed chunk read after a backoff, not at the next call, and goes on where it failed', async () => {
    const h = await midFile('d.txt');
    try {
      let reads = 0;
      let failing = 2;
      const handle = h.inside.handle;
      const orig = handle.read.bind(handle);
      handle.read = (...a: unknown[]) => {
        reads++;
        return failing-- > 0 ? eio() : orig(...a);
      };
      for (let i = 0; i < 10 && h.errors.length === 0; i++) await h.step(); // emits what is buffered, reads ahead
      expect(reads).toBe(1);
      expect(h.errors[0]).toMatchObject({ code: 'GALE_ERR_FILE_READ', retriable: true });
      expect(h.errors[0]!.message).toMatch(/attempt 1 of 8; next in \d+ ms/);
      for (let i = 0; i < 10; i++) await h.step(); // same instant: the buffered lines go out, no read
      expect(reads).toBe(1);
      const emitted = h.emits.length;
      await h.step();
      expect(h.emits).toHaveLength(emitted); // nothing buffered left: the spout waits for the retry
      now += 79; // the first delay is 100 ms ± 20%
      await h.step();
      expect(reads).toBe(1);
      now += 41;
      await h.step();
      expect(reads).toBe(2); // failed again: the delay doubles (200 ms ± 20%)
      expect(h.errors).toHaveLength(2);
      now += 159;
      await h.step();
      expect(reads).toBe(2);
      now += 81;
      while (!h.inside.eof || h.inside.reading !== undefined || h.emits.length < 20) await h.step();
      expect(reads).toBeGreaterThan(2);
      expect(h.errors).toHaveLength(2);
      // Every line once, in order: the retried read went on at the position that failed.
      expect(h.emits.map((e) => e.value)).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`));
      for (const e of h.emits) h.spout.ack(e.id);
      expect(h.spout.isExhausted()).toBe(true);
    } finally {
      await h.spout.close();
    }
  });

  it(`gives up on the rest of the file after ${FILE_READ_ATTEMPTS} failed reads spaced by the backoff, reporting each`, async () => {
    const h = await midFile('e.txt');
    try {
      let reads = 0;
      h.inside.handle.read = () => {
        reads++;
        return eio();
      };
      const start = now;
      for (let i = 0; i < 1000 && h.errors.length < FILE_READ_ATTEMPTS; i++) {
        await h.step();
        now += 50;
      }
      expect(reads).toBe(FILE_READ_ATTEMPTS);
      expect(now - start).toBeGreaterThan(8_000); // 100 ms doubling to 5 s, jittered: about 11 s
      expect(h.errors.slice(0, -1).every((e) => (e as Error & { retriable: boolean }).retriable)).toBe(true);
      expect(h.errors.at(-1)).toMatchObject({ code: 'GALE_ERR_FILE_READ', retriable: false });
      expect(h.errors.at(-1)!.message).toMatch(/failed 8 times; giving up, the rest of the file is not emitted/);
      expect(h.inside.eof).toBe(true);
      expect(h.emits.length).toBeLessThan(20);
      for (const e of h.emits) h.spout.ack(e.id);
      expect(h.spout.isExhausted()).toBe(true);
    } finally {
      await h.spout.close();
    }
  });
});
