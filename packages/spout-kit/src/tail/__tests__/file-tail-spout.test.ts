import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  BaseRichBolt, LocalCluster, TopologyBuilder, type OutputCollector, type Topology, type Tuple,
} from '@gale/runtime';
import { FileTailSpout, TailSpoutError, type FileTailSpoutOptions } from '@gale/spout-kit';
import { waitFor } from '../../../../../test/harness/wait.js';

const REPO_ROOT = path.resolve(__dirname, '../../../../..');

let dir: string;
let log: string;
let offsets: string;
let cluster: LocalCluster;

/** Lines the bolt received, one entry per delivery. */
const seen: string[] = [];
/** Lines whose first delivery the bolt fails. */
const failOnce = new Set<string>();
/** Lines the bolt never acks (as a bolt that hangs): they stay pending. */
let hold: (line: string) => boolean = () => false;

class Record extends BaseRichBolt {
  private out!: OutputCollector;
  declareOutputFields(): void {}
  override prepare(_c: unknown, collector: OutputCollector): void {
    this.out = collector;
  }
  execute(t: Tuple): void {
    const line = t.getStringByField('line');
    seen.push(line);
    if (failOnce.delete(line)) this.out.fail(t);
    else if (!hold(line)) this.out.ack(t);
  }
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gale-tail-'));
  log = path.join(dir, 'app.log');
  offsets = path.join(dir, 'app.offsets');
  cluster = new LocalCluster();
  seen.length = 0;
  failOnce.clear();
  hold = () => false;
});
afterEach(async () => {
  await cluster.shutdown(0);
  rmSync(dir, { recursive: true, force: true });
});

function topology(options: Partial<FileTailSpoutOptions> = {}): Topology {
  const b = new TopologyBuilder();
  b.setSpout('tail', new FileTailSpout({ path: log, offsetsPath: offsets, pollIntervalMs: 20, chunkBytes: 256, ...options }));
  b.setBolt('record', new Record()).shuffleGrouping('tail');
  return b.build({ name: 'tail', config: { maxSpoutPending: 50, messageTimeoutMs: 60_000 } });
}

const lines = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);
const text = (ls: readonly string[]): string => ls.map((l) => `${l}\n`).join('');
const savedOffset = (): number => (JSON.parse(readFileSync(offsets, 'utf8')) as { offset: number }).offset;

async function seenAll(expected: readonly string[], what: string): Promise<void> {
  await waitFor(() => seen.length >= expected.length, { what, timeoutMs: 15_000 });
}

describe('FileTailSpout', () => {
  it('follows a growing file, holding a partial last line until its newline, and saves the acked offset', async () => {
    writeFileSync(log, text(lines('a', 0, 3)));
    await cluster.submit(topology());
    await seenAll(lines('a', 0, 3), 'the first lines');
    appendFileSync(log, text(lines('a', 3, 200)) + 'half');
    await seenAll(lines('a', 0, 200), 'the appended lines');
    appendFileSync(log, ' a line\n');
    await seenAll([...lines('a', 0, 200), 'half a line'], 'the completed line');
    expect(seen).toEqual([...lines('a', 0, 200), 'half a line']);
    await waitFor(() => savedOffset() === readFileSync(log).length, { what: 'the offsets file at the end' });
  });

  it('follows a rename rotation: the old file to its end, then the new one', async () => {
    writeFileSync(log, text(lines('a', 0, 50)));
    await cluster.submit(topology());
    await seenAll(lines('a', 0, 50), 'old lines');
    appendFileSync(log, text(lines('a', 50, 60)) + 'a60');
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, '\n'); // the writer finishes its line in the old file
    writeFileSync(log, text(lines('b', 0, 40)));
    const expected = [...lines('a', 0, 61), ...lines('b', 0, 40)];
    await seenAll(expected, 'the old tail and the new file');
    expect(seen).toEqual(expected);
    await waitFor(() => savedOffset() === readFileSync(log).length, { what: 'the offsets at the end of the new file' });
  });

  it('follows a copytruncate rotation', async () => {
    writeFileSync(log, text(lines('a', 0, 100)));
    await cluster.submit(topology());
    await seenAll(lines('a', 0, 100), 'lines before the truncation');
    truncateSync(log, 0);
    appendFileSync(log, text(lines('b', 0, 5)));
    const expected = [...lines('a', 0, 100), ...lines('b', 0, 5)];
    await seenAll(expected, 'lines after the truncation');
    appendFileSync(log, text(lines('b', 5, 10)));
    expected.push(...lines('b', 5, 10));
    await seenAll(expected, 'growth after the truncation');
    expect(seen).toEqual(expected);
  });

  it('re-emits a failed line and moves the offset past it only once it is acked', async () => {
    failOnce.add('a7');
    writeFileSync(log, text(lines('a', 0, 20)));
    await cluster.submit(topology());
    await waitFor(() => seen.length >= 21, { what: '20 lines + 1 replay' });
    expect(seen.filter((l) => l === 'a7')).toHaveLength(2);
    expect([...new Set(seen)].sort()).toEqual(lines('a', 0, 20).sort());
    await waitFor(() => savedOffset() === readFileSync(log).length, { what: 'the offset at the end' });
  });

  it('resumes after a restart at the contiguous acked prefix, replaying only the unacked tail', async () => {
    const all = lines('a', 0, 100);
    writeFileSync(log, text(all));
    // Line a40 hangs; everything after it is acked, but the resume point cannot pass a40.
    hold = (l) => l === 'a40';
    await cluster.submit(topology());
    await seenAll(all, 'every line once');
    const before = text(all.slice(0, 40)).length;
    await waitFor(() => savedOffset() === before, { what: 'the offset before the held line' });
    await cluster.kill('tail', 0);
    expect(savedOffset()).toBe(before);
    seen.length = 0;
    hold = () => false;
    appendFileSync(log, text(lines('b', 0, 10)));
    await cluster.submit(topology());
    const expected = [...all.slice(40), ...lines('b', 0, 10)];
    await seenAll(expected, 'the unacked tail and the new lines');
    expect(seen).toEqual(expected);
  });

  it("with startAt 'end' skips the existing content and keeps that start across a restart", async () => {
    writeFileSync(log, text(lines('old', 0, 10)));
    await cluster.submit(topology({ startAt: 'end' }));
    await waitFor(() => savedOffset() === readFileSync(log).length, { what: 'the start saved at open' });
    await cluster.kill('tail', 0);
    appendFileSync(log, text(lines('a', 0, 5)));
    await cluster.submit(topology({ startAt: 'end' }));
    await seenAll(lines('a', 0, 5), 'the lines appended while stopped');
    appendFileSync(log, text(lines('a', 5, 8)));
    await seenAll(lines('a', 0, 8), 'the lines appended later');
    expect(seen).toEqual(lines('a', 0, 8));
  });

  it('resumes in the rotated file after a restart, then reads the new one', async () => {
    writeFileSync(log, text(lines('a', 0, 30)));
    await cluster.submit(topology());
    await seenAll(lines('a', 0, 30), 'first lines');
    await waitFor(() => savedOffset() === readFileSync(log).length, { what: 'offsets saved' });
    await cluster.kill('tail', 0);
    // While stopped: more lines in the old file, a rotation, a new file.
    appendFileSync(log, text(lines('a', 30, 45)));
    renameSync(log, `${log}.1`);
    writeFileSync(log, text(lines('b', 0, 5)));
    seen.length = 0;
    await cluster.submit(topology());
    const expected = [...lines('a', 30, 45), ...lines('b', 0, 5)];
    await seenAll(expected, 'the rest of the old file, then the new one');
    expect(seen).toEqual(expected);
  });

  it('loses no line when the worker process is SIGKILLed mid-stream, and duplicates only past the saved offset', async () => {
    const all = lines('line-', 0, 3000);
    writeFileSync(log, text(all));
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'tail-worker.mjs'), log, offsets], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const crashed: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => crashed.push(l));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      // Kill once a resume point past the start is on disk (offsets are saved asynchronously,
      // merged while a write is in flight: under load the first save can trail the acks).
      const savedPastStart = (): boolean => {
        try {
          return savedOffset() > 0;
        } catch {
          return false; // not written yet, or being renamed into place
        }
      };
      await waitFor(() => crashed.length >= 1000 && savedPastStart(), { what: 'the worker to process 1000 lines and save an offset', timeoutMs: 30_000 });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    const offset = savedOffset();
    const resumeAt = all.findIndex((_, i) => text(all.slice(0, i)).length === offset);
    expect(resumeAt).toBeGreaterThan(0);
    // Everything before the saved offset was acked by the crashed worker.
    expect(crashed.slice(0, resumeAt)).toEqual(all.slice(0, resumeAt));
    await cluster.submit(topology({ chunkBytes: 64 * 1024 }));
    await seenAll(all.slice(resumeAt), 'the rest after the restart');
    expect(seen).toEqual(all.slice(resumeAt));
  }, 60_000);

  describe('bad input', () => {
    async function openError(options: Partial<FileTailSpoutOptions>): Promise<TailSpoutError> {
      const err = await cluster.submit(topology(options)).catch((e: unknown) => e);
      const cause = (err as Error).cause;
      expect(cause).toBeInstanceOf(TailSpoutError);
      return cause as TailSpoutError;
    }

    it('refuses a file in a missing directory', async () => {
      const e = await openError({ path: path.join(dir, 'nope', 'app.log') });
      expect(e.code).toBe('GALE_ERR_TAIL_DIR_NOT_FOUND');
      expect(e.message).toMatch(/directory .*nope does not exist/);
      expect(e.message).toContain(`create it (mkdir -p ${path.join(dir, 'nope')})`);
    });

    it('names the absolute directory a relative path was looked for in', async () => {
      const rel = path.relative(process.cwd(), path.join(dir, 'nodir', 'app.log'));
      const e = await openError({ path: rel });
      expect(e.message).toBe(`directory ${path.join(dir, 'nodir')} does not exist (needed for ${rel}; a relative path is resolved from the directory gale runs in, ${process.cwd()}); create it (mkdir -p ${path.join(dir, 'nodir')}) or give the spout a path in an existing directory`);
    });

    it('refuses an offsets file in a missing directory', async () => {
      const e = await openError({ offsetsPath: path.join(dir, 'nope', 'app.offsets') });
      expect(e.code).toBe('GALE_ERR_TAIL_DIR_NOT_FOUND');
    });

    it('refuses a corrupt offsets file, saying how to recover', async () => {
      writeFileSync(log, 'x\n');
      for (const bad of ['{"version":1,"file":', '[]', JSON.stringify({ version: 1, file: log, ino: '1', offset: -3 })]) {
        writeFileSync(offsets, bad);
        const e = await openError({});
        expect(e.code).toBe('GALE_ERR_TAIL_OFFSETS_CORRUPT');
        expect(e.message).toMatch(/corrupt .*delete it/);
      }
      expect(seen).toEqual([]);
    });

    it('refuses the offsets file of another followed file', async () => {
      writeFileSync(offsets, JSON.stringify({ version: 1, file: '/elsewhere.log', ino: '1', offset: 0 }));
      const e = await openError({});
      expect(e.code).toBe('GALE_ERR_TAIL_OFFSETS_MISMATCH');
    });

    it('waits for a file that does not exist yet', async () => {
      await cluster.submit(topology());
      writeFileSync(log, text(lines('a', 0, 3)));
      await seenAll(lines('a', 0, 3), 'lines of the file created later');
      expect(seen).toEqual(lines('a', 0, 3));
    });

    it('rejects bad options when the topology is built', () => {
      expect(() => new FileTailSpout({ path: 'a', offsetsPath: 'a' })).toThrow(/must differ/);
      expect(() => new FileTailSpout({ path: 'a', offsetsPath: 'b', pollIntervalMs: 0 })).toThrow(/pollIntervalMs/);
      expect(() => new FileTailSpout({ path: 'a', offsetsPath: 'b', startAt: 'middle' } as unknown as FileTailSpoutOptions)).toThrow(/startAt/);
      expect(() => new FileTailSpout({ path: 'a' } as FileTailSpoutOptions)).toThrow(/offsetsPath/);
    });
  });
});
