/**
 * gen-data: realistic, reproducible input for the example topologies.
 *
 *   npm run gen-data -- visits [--count 20000] [--users 200] [--rate 50] [--seed 1] [--start <epoch ms>] [--out visits.jsonl]
 *   npm run gen-data -- logs   [--count 20000] [--invalid 0.01] [--rate 50] [--seed 1] [--start <epoch ms>] [--out logs.jsonl]
 *
 * visits: `{"userId","url","ts"}` per line; users follow a Zipf-like popularity (a few heavy users,
 * a long tail), `rate` visits per second of event time from `start` (default: now minus the span),
 * each timestamp jittered by up to ±500 ms (out of order, within the examples' 2 s lag).
 * logs: access-log records `{"time","ts","level","status","method","path","userId","latencyMs"}`,
 * with a fraction `invalid` of malformed lines (truncated JSON, non-JSON text, a wrong type).
 * The same seed always gives the same data. Writes to --out, or stdout; or pushes the lines into a
 * queue for the connectors: `--redis <url> [--stream <key>]` (XADD, one entry per line in a `line`
 * field; stream default `logs` or `visits`), or `--nats <host:port> [--subject <s>]` (JetStream
 * publish; the stream covering the subject must exist, e.g. created by NatsJetStreamSpout's
 * `streamSubjects`; subject default `logs` or `visits`).
 */
import { createWriteStream } from 'node:fs';

/** mulberry32: a small, fast, seedable PRNG; uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Index in [0, n) with probability proportional to 1 / (i + 1) (Zipf, s = 1). */
function zipf(n: number, random: () => number): number {
  let h = 0;
  for (let i = 1; i <= n; i++) h += 1 / i;
  let u = random() * h;
  for (let i = 0; i < n; i++) {
    u -= 1 / (i + 1);
    if (u <= 0) return i;
  }
  return n - 1;
}

export interface GenOptions {
  count: number;
  seed: number;
  /** Events per second of event time. */
  rate: number;
  /** Epoch ms of the first event. */
  start: number;
  users: number;
  /** Fraction of malformed log lines. */
  invalid: number;
}

const PAGES = ['/', '/home', '/search', '/cart', '/checkout', '/account', '/help'];

/** The visits, one JSON line each. */
export function* visits(o: GenOptions): Generator<string> {
  const random = prng(o.seed);
  for (let i = 0; i < o.count; i++) {
    const user = zipf(o.users, random);
    const url = random() < 0.6 ? `/product/${Math.floor(random() * 500)}` : PAGES[Math.floor(random() * PAGES.length)]!;
    const ts = Math.round(o.start + (i * 1000) / o.rate + (random() - 0.5) * 1000);
    yield JSON.stringify({ userId: `u${String(user).padStart(4, '0')}`, url, ts });
  }
}

const PATHS = ['/api/orders', '/api/users', '/api/search', '/api/cart', '/login', '/static/app.js', '/health'];
const STATUSES: readonly [number, number][] = [[200, 0.82], [201, 0.04], [304, 0.05], [400, 0.02], [401, 0.015], [404, 0.03], [500, 0.01], [503, 0.015]];

function pick<T>(weighted: readonly (readonly [T, number])[], random: () => number): T {
  let u = random();
  for (const [v, w] of weighted) {
    u -= w;
    if (u <= 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}

/** Access-log lines, some malformed. */
export function* logs(o: GenOptions): Generator<string> {
  const random = prng(o.seed);
  for (let i = 0; i < o.count; i++) {
    const ts = Math.round(o.start + (i * 1000) / o.rate + (random() - 0.5) * 1000);
    const status = pick(STATUSES, random);
    const record = {
      time: new Date(ts).toISOString(), ts, level: status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info', status,
      method: random() < 0.7 ? 'GET' : 'POST', path: PATHS[zipf(PATHS.length, random)]!,
      userId: `u${String(zipf(o.users, random)).padStart(4, '0')}`, latencyMs: Math.round(5 + 200 * random() ** 3),
    };
    if (random() < o.invalid) {
      const kind = Math.floor(random() * 3);
      const json = JSON.stringify(record);
      yield kind === 0 ? json.slice(0, Math.floor(json.length / 2)) : kind === 1 ? `${record.time} GET ${record.path} ${status}` : JSON.stringify({ ...record, status: 'ok' });
    } else {
      yield JSON.stringify(record);
    }
  }
}

const USAGE = 'usage: npm run gen-data -- visits|logs [--count n] [--users n] [--rate per-s] [--seed n] [--start epoch-ms] [--invalid fraction] [--out file | --redis url [--stream key] | --nats host:port [--subject s]]';

/** Where the lines go besides a file or stdout. */
export type GenTarget = { kind: 'redis'; url: string; stream: string } | { kind: 'nats'; servers: string; subject: string };

/** Parses the command line; throws a one-line message on a mistake. */
export function parseGenArgs(argv: readonly string[], now: number): { kind: 'visits' | 'logs'; out: string | undefined; target: GenTarget | undefined; options: GenOptions } {
  const [kind, ...rest] = argv;
  if (kind !== 'visits' && kind !== 'logs') throw new Error(`first argument must be visits or logs${kind === undefined ? '' : `, got "${kind}"`}\n${USAGE}`);
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i]!;
    const v = rest[i + 1];
    if (!k.startsWith('--') || v === undefined) throw new Error(`expected --flag value pairs, got "${rest.slice(i).join(' ')}"\n${USAGE}`);
    flags.set(k.slice(2), v);
  }
  const known = ['count', 'users', 'rate', 'seed', 'start', 'invalid', 'out', 'redis', 'stream', 'nats', 'subject'];
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  const num = (k: string, dflt: number, ok: (n: number) => boolean, what: string): number => {
    const text = flags.get(k);
    if (text === undefined) return dflt;
    const n = Number(text);
    if (!ok(n)) throw new Error(`--${k} must be ${what}, got "${text}"`);
    return n;
  };
  const count = num('count', 20_000, (n) => Number.isInteger(n) && n >= 0, 'an integer >= 0');
  const rate = num('rate', 50, (n) => n > 0, 'a number > 0');
  const options: GenOptions = {
    count, rate,
    users: num('users', 200, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1'),
    seed: num('seed', 1, Number.isInteger, 'an integer'),
    // By default the data ends about now, as if it had just been collected.
    start: num('start', Math.round(now - (count * 1000) / rate), Number.isFinite, 'epoch milliseconds'),
    invalid: num('invalid', 0.01, (n) => n >= 0 && n <= 1, 'a fraction from 0 to 1'),
  };
  const given = ['out', 'redis', 'nats'].filter((k) => flags.has(k));
  if (given.length > 1) throw new Error(`give one of --out, --redis, --nats (got --${given.join(' and --')})\n${USAGE}`);
  const redis = flags.get('redis');
  const nats = flags.get('nats');
  const target: GenTarget | undefined = redis !== undefined ? { kind: 'redis', url: redis, stream: flags.get('stream') ?? kind }
    : nats !== undefined ? { kind: 'nats', servers: nats, subject: flags.get('subject') ?? kind } : undefined;
  return { kind, out: flags.get('out'), target, options };
}

async function writeAll(lines: Iterable<string>, out: NodeJS.WritableStream): Promise<void> {
  for (const line of lines) {
    if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
}

/** Pushes every line to Redis (XADD, field `line`) or NATS JetStream (publish); resolves to the count. */
export async function pushLines(lines: Iterable<string>, target: GenTarget): Promise<number> {
  let n = 0;
  if (target.kind === 'redis') {
    const { Redis } = await import('ioredis');
    // A one-shot tool: no reconnect loop after a failed connect (it would keep the process alive).
    const client = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      await client.connect().catch((err: Error) => {
        throw new Error(`cannot reach Redis at ${target.url}: ${err.message}; start one with: redis-server --port 6379`);
      });
      let pipe = client.pipeline();
      for (const line of lines) {
        pipe.xadd(target.stream, '*', 'line', line);
        if (++n % 1000 === 0) {
          await pipe.exec();
          pipe = client.pipeline();
        }
      }
      await pipe.exec();
    } finally {
      client.disconnect();
    }
    return n;
  }
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: target.servers, timeout: 5000 }).catch((err: Error) => {
    throw new Error(`cannot reach NATS at ${target.servers}: ${err.message}; start one with: nats-server -js`);
  });
  try {
    const js = jetstream(nc);
    for (const line of lines) {
      await js.publish(target.subject, line);
      n++;
    }
  } finally {
    await nc.close();
  }
  return n;
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseGenArgs>;
  try {
    parsed = parseGenArgs(process.argv.slice(2), Date.now());
  } catch (err) {
    process.stderr.write(`gen-data: ${(err as Error).message}\n`);
    return 2;
  }
  const lines = parsed.kind === 'visits' ? visits(parsed.options) : logs(parsed.options);
  if (parsed.target !== undefined) {
    const n = await pushLines(lines, parsed.target);
    process.stderr.write(`gen-data: pushed ${n} ${parsed.kind} to ${parsed.target.kind === 'redis' ? `${parsed.target.url} stream ${parsed.target.stream}` : `${parsed.target.servers} subject ${parsed.target.subject}`}\n`);
    return 0;
  }
  if (parsed.out === undefined) {
    await writeAll(lines, process.stdout);
    return 0;
  }
  const file = createWriteStream(parsed.out);
  await new Promise<void>((resolve, reject) => {
    file.once('open', () => resolve());
    file.once('error', reject);
  }).catch((err: Error) => {
    throw new Error(`cannot write ${parsed.out}: ${err.message}`);
  });
  await writeAll(lines, file);
  await new Promise<void>((r) => file.end(r));
  process.stderr.write(`gen-data: wrote ${parsed.options.count} ${parsed.kind} to ${parsed.out}\n`);
  return 0;
}

// Run as a script (npm run gen-data), not when imported by a test or a topology.
if (process.argv[1]?.endsWith('gen-data.ts') === true) {
  main().then((code) => (process.exitCode = code), (err: unknown) => {
    process.stderr.write(`gen-data: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
