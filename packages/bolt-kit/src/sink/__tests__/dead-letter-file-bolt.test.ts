import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BaseBasicBolt, BaseRichSpout, DEAD_LETTER_STREAM, LocalCluster, TopologyBuilder, type OutputFieldsDeclarer, type Tuple,
} from '@gale/runtime';
import { DeadLetterFileBolt, type DeadLetterRecord } from '@gale/bolt-kit';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-dlq-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Emits `messages` (value, message id) once each and replays failed ones. */
class ListSpout extends BaseRichSpout {
  private queue: number[] = [];
  private inFlight = 0;
  constructor(private readonly messages: readonly (readonly [unknown, unknown])[]) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['v']);
  }
  override open(...args: Parameters<BaseRichSpout['open']>): void {
    void super.open(...args);
    this.queue = this.messages.map((_, i) => i);
  }
  nextTuple(): void {
    const i = this.queue.shift();
    if (i === undefined) return;
    this.inFlight++;
    this.collector.emit([this.messages[i]![0]], i);
  }
  override ack(): void {
    this.inFlight--;
  }
  override fail(id: unknown): void {
    this.inFlight--;
    this.queue.push(id as number);
  }
  isExhausted(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }
}

/** Throws for values starting with "bad". */
class Picky extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(t: Tuple): void {
    const v = t.getValue(0);
    if (typeof v !== 'string' || v.startsWith('bad')) throw new Error(`rejected ${String(v)}`);
  }
}

async function run(path: string, values: unknown[], maxRetries = 1): Promise<string[]> {
  const b = new TopologyBuilder();
  b.setSpout('src', new ListSpout(values.map((v, i) => [v, i] as const)), { maxRetries });
  b.setBolt('picky', new Picky()).shuffleGrouping('src');
  b.setBolt('dlq', new DeadLetterFileBolt({ path })).shuffleGrouping('src', DEAD_LETTER_STREAM);
  const cluster = new LocalCluster();
  try {
    const t = await cluster.submit(b.build({ name: 'dlq' }));
    expect(await t.waitUntilDone(10_000)).toBe(true);
    return t.errors('dlq').map((e) => e.message);
  } finally {
    await cluster.shutdown(0);
  }
}

function records(path: string): DeadLetterRecord[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as DeadLetterRecord);
}

describe('DeadLetterFileBolt', () => {
  it('appends one JSON line per dead-lettered tuple, creating parent directories', async () => {
    const path = join(dir, 'nested', 'dead.jsonl');
    const errors = await run(path, ['ok', 'bad-1', 'fine', 'bad-2'], 2);
    expect(errors).toEqual([]);
    const recs = records(path).sort((a, b) => (a.messageId as number) - (b.messageId as number));
    expect(recs).toEqual([
      { time: expect.any(String), component: 'src', task: expect.any(Number), messageId: 1, stream: 'default', values: ['bad-1'], reason: 'failed', attempts: 3 },
      { time: expect.any(String), component: 'src', task: expect.any(Number), messageId: 3, stream: 'default', values: ['bad-2'], reason: 'failed', attempts: 3 },
    ]);
    expect(Number.isNaN(Date.parse(recs[0]!.time))).toBe(false);
  });

  it('appends to an existing file instead of replacing it', async () => {
    const path = join(dir, 'dead.jsonl');
    writeFileSync(path, '{"earlier":true}\n');
    await run(path, ['bad-a']);
    await run(path, ['bad-b'], 0);
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines[0]).toBe('{"earlier":true}');
    expect(lines.slice(1, 3).map((l) => (JSON.parse(l) as DeadLetterRecord).values)).toEqual([['bad-a'], ['bad-b']]);
    expect(lines.slice(1, 3).map((l) => (JSON.parse(l) as DeadLetterRecord).attempts)).toEqual([2, 1]);
    expect(lines[3]).toBe('');
  });

  it('writes values JSON cannot hold: bigint as a string, circular values described', async () => {
    const path = join(dir, 'dead.jsonl');
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    await run(path, [12345678901234567890n, circular], 0);
    const recs = records(path).sort((a, b) => (a.messageId as number) - (b.messageId as number));
    expect(recs.map((r) => r.values)).toEqual([['12345678901234567890'], '[unserializable] [object Object]']);
  });

  it('fails prepare with GALE_ERR_FILE_WRITE when the file cannot be opened', async () => {
    writeFileSync(join(dir, 'file'), 'not a directory');
    const b = new TopologyBuilder();
    b.setSpout('src', new ListSpout([]));
    b.setBolt('dlq', new DeadLetterFileBolt({ path: join(dir, 'file', 'dead.jsonl') })).shuffleGrouping('src', DEAD_LETTER_STREAM);
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 'x' }))).rejects.toMatchObject({ code: 'GALE_ERR_BOLT_PREPARE', cause: { code: 'GALE_ERR_FILE_WRITE' } });
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('rejects bad options', () => {
    expect(() => new DeadLetterFileBolt({ path: '' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_OPTION' }));
    expect(() => new DeadLetterFileBolt({ path: 'x', fsync: 'yes' as unknown as boolean })).toThrow(/fsync must be a boolean/);
  });
});
