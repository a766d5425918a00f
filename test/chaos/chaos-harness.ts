// Chaos suite plumbing: a fresh cluster per scenario, the numbered fixture deployed on it, a
// sampler of the spout's acked logs (for recovery times), the U1/U2 checks and the result table.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../cli/gale-process.js';
import { TestCluster, until, type StatusJson } from '../cluster/cluster-harness.js';
import { DEAD_IDS, readIds } from './fixtures/numbered.js';
import { checkInvariants, checkKilledClean, type Faulted } from './invariants.js';

export const FIXTURE = 'test/chaos/fixtures/numbered.ts';
export const TOPOLOGY = 'numbered';

/** Starts ZooKeeper (tick 500 ms) and `count` supervisors (1 slot each) in id order: sup-a leads. */
export async function startChaosCluster(count: number, extra: readonly string[] = []): Promise<TestCluster> {
  const c = await TestCluster.start({ supervisors: 0, tickMs: 500 });
  try {
    for (let i = 0; i < count; i++) await c.startSupervisor(`sup-${String.fromCharCode(97 + i)}`, 1, extra);
  } catch (err) {
    await c.close();
    throw err;
  }
  return c;
}

export interface Run {
  cluster: TestCluster;
  out: string;
  n: number;
  rate: number;
  mode: string;
  deployedAt: number;
  samples: { t: number; acked: number }[];
  stop(): void;
}

export function ackedCount(out: string): number {
  return readIds(out, 'acked').size;
}

/** Deploys the fixture and starts sampling the acked count every 100 ms. */
export async function deploy(cluster: TestCluster, opts: { n: number; rate: number; mode?: string; set?: readonly string[] }): Promise<Run> {
  const out = path.join(cluster.tmp, 'out');
  mkdirSync(out, { recursive: true });
  const mode = opts.mode ?? 'plain';
  const r = await cluster.gale(['deploy', FIXTURE, '--name', TOPOLOGY, '--workers', '2',
    '--set', `n=${opts.n}`, '--set', `rate=${opts.rate}`, '--set', `out=${out}`, '--set', `mode=${mode}`, ...(opts.set ?? []).flatMap((kv) => ['--set', kv])]);
  if (r.code !== 0) throw new Error(`deploy exited ${r.code}:\n${r.stderr}`);
  const samples: Run['samples'] = [];
  let stopped = false;
  const timer = setInterval(() => {
    if (!stopped) samples.push({ t: Date.now(), acked: ackedCount(out) });
  }, 100);
  return {
    cluster, out, n: opts.n, rate: opts.rate, mode, deployedAt: Date.now(), samples,
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}

/**
 * The longest stretch (ms) in [from, to] during which the spout's acked count did not grow, from
 * the 100 ms samples: a rebalance's or a fault's pause as the source sees it.
 */
export function longestStall(run: Run, from: number, to: number): number {
  const inside = run.samples.filter((s) => s.t >= from && s.t <= to);
  if (inside.length === 0) return 0;
  let lastT = from;
  let lastA = inside[0]!.acked;
  let longest = 0;
  for (const s of inside) {
    if (s.acked > lastA) {
      longest = Math.max(longest, s.t - lastT);
      lastT = s.t;
      lastA = s.acked;
    }
  }
  const end = Math.min(to, inside.at(-1)!.t);
  return Math.max(longest, end - lastT);
}

export function status(cluster: TestCluster): Promise<StatusJson> {
  return cluster.json<StatusJson>(['status', TOPOLOGY]);
}

/** Waits (polling) until the spout acked at least `count` ids; returns when. */
export function ackedAtLeast(run: Run, count: number, timeoutMs = 60_000): Promise<number> {
  return until(`${count} ids acked`, async () => (ackedCount(run.out) >= count ? Date.now() : undefined), timeoutMs, 100);
}

/** The worker process hosting the spout, and the other one. */
export async function workersBySpout(cluster: TestCluster): Promise<{ spout: StatusJson['workerProcesses'][number]; other: StatusJson['workerProcesses'][number]; status: StatusJson }> {
  const s = await until('2 running workers', async () => {
    const st = await status(cluster);
    return st.workers.running === 2 && st.workerProcesses.length === 2 ? st : undefined;
  }, 30_000, 250);
  const where = s.components.find((c) => c.component === 'numbers')!.where.join(' ');
  const spout = s.workerProcesses.find((w) => where.includes(String(w.port)))!;
  const other = s.workerProcesses.find((w) => w !== spout)!;
  if (spout === undefined || other === undefined) throw new Error(`cannot tell the spout's worker: where=${where} workers=${JSON.stringify(s.workerProcesses)}`);
  return { spout, other, status: s };
}

/** A poll for `until`: both workers run and `pred` holds on the status; yields the time it did. */
export function twoWorkersRunning(cluster: TestCluster, pred: (s: StatusJson) => boolean): () => Promise<number | undefined> {
  return async () => {
    const s = await status(cluster);
    return s.workers.running === 2 && s.workerProcesses.length === 2 && pred(s) ? Date.now() : undefined;
  };
}

/**
 * kill -9 of the worker that does not run the spout; resolves once its supervisor relaunched it
 * (its `worker.started` event) and `gale status` shows both workers again (healedAt).
 */
export async function killWorkerAndWait(cluster: TestCluster): Promise<{ faultAt: number; healedAt: number; faulted: Faulted }> {
  const { other } = await workersBySpout(cluster);
  const sup = cluster.supervisors.find((s) => s.id === other.supervisor);
  if (sup === undefined) throw new Error(`no supervisor ${other.supervisor} in this cluster`);
  const mark = sup.eventCount;
  process.kill(other.pid, 'SIGKILL');
  const faultAt = Date.now();
  await sup.waitForEvent('worker.started', (e) => e.port === other.port && e.pid !== other.pid, 30_000, mark);
  const healedAt = await until('a relaunched worker', twoWorkersRunning(cluster, (s) => !s.workerProcesses.some((w) => w.pid === other.pid)), 30_000, 200);
  return { faultAt, healedAt, faulted: killedWorker(other.supervisor, other.port) };
}

/** U6: the one crash a kill -9 of the worker on `supervisor`:`port` explains. */
export function killedWorker(supervisor: string, port: number): Faulted {
  return { expected: (e, s) => s.id === supervisor && e.data.port === port && (e.event === 'worker.hung' || e.data.signal === 'SIGKILL') };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const execFileP = promisify(execFile);

/**
 * Aborts (`ss -K`, needs root or CAP_NET_ADMIN) every established TCP socket to or from `host:port`
 * (both ends of a loopback connection: `dport` on the dialling side, `sport` on the accepting
 * side); the listening socket is left alone. Returns how many sockets ss reported killed.
 */
export async function killTcp(host: string, port: number): Promise<number> {
  let killed = 0;
  for (const [dir, pdir] of [['dst', 'dport'], ['src', 'sport']] as const) {
    const { stdout } = await execFileP('ss', ['-K', '-t', '-n', '-H', dir, host, pdir, '=', `:${port}`]);
    killed += stdout.split('\n').filter((l) => l.trim() !== '').length;
  }
  return killed;
}

/** Established TCP connections dialled to `host:port` (the dialling side's sockets). */
export async function establishedTo(host: string, port: number): Promise<number> {
  const { stdout } = await execFileP('ss', ['-t', '-n', '-H', 'state', 'established', 'dst', host, 'dport', '=', `:${port}`]);
  return stdout.split('\n').filter((l) => l.trim() !== '').length;
}

export interface Row {
  scenario: string;
  tuples: number;
  lost: number;
  duplicates: number;
  /** Fault -> first new ack at the spout (s); null without a fault. */
  recoverySec: number | null;
  /** Fault -> first 1 s window with >= 90% of the configured rate (s, >= 1 by construction). */
  fullRateSec: number | null;
  /** Fault -> the cluster looks healed in `gale status` (new worker / reassignment) (s). */
  healedSec: number | null;
  /** Fault -> every id acked (s). */
  totalSec: number;
  deadLettered: number;
  /** The spout's failed count at the end (timeouts + fails, replayed), summed over the current workers. */
  replays?: number | null;
  /** Longest stretch without a new ack at the spout during the fault (s), where a scenario measures it. */
  pauseSec?: number | null;
  /** Dead letters of ids that were not planned as poison (bystanders of a crash loop). */
  collateralDead?: number;
  /** Last ack -> no pending tree in any spout or acker (U5) (s). */
  quiesceSec?: number | null;
  /** The whole scenario: cluster start -> invariants checked (s); set by {@link trackRunTimes}. */
  runSec?: number | null;
  note: string;
}

export const rows: Row[] = [];

/** Clusters whose scenario finished: {@link closeScenario} kills the topology and checks U5 after kill. */
const killCheckDue = new Map<TestCluster, Faulted>();

/**
 * For afterEach: when the scenario got through {@link finish}, `gale kill` and U5 after kill (no
 * znode of the topology, no worker process) and U6 again; then the cluster is closed, whatever happens.
 */
export async function closeScenario(cluster: TestCluster | undefined): Promise<void> {
  if (cluster === undefined) return;
  const faulted = killCheckDue.get(cluster);
  killCheckDue.delete(cluster);
  try {
    if (faulted !== undefined) await checkKilledClean(cluster, faulted);
  } finally {
    await cluster.close();
  }
}

/** Records each test's wall time into the row(s) it produced (call once in a describe). */
export function trackRunTimes(): void {
  let start = 0;
  let before = 0;
  beforeEach(() => {
    start = Date.now();
    before = rows.length;
  });
  afterEach(() => {
    for (const r of rows.slice(before)) r.runSec = sec(Date.now() - start);
  });
}

/** Id -> reason of the dead letters in `<out>/dead.jsonl`, once every id in `mustHave` is there (or after 10 s). */
async function deadLetterIds(run: Run, mustHave: readonly number[]): Promise<Map<number, string>> {
  const file = path.join(run.out, 'dead.jsonl');
  const read = (): Map<number, string> => {
    const out = new Map<number, string>();
    if (!existsSync(file)) return out;
    for (const l of readFileSync(file, 'utf8').split('\n')) {
      if (l === '') continue;
      const d = JSON.parse(l) as { messageId: number; reason: string };
      out.set(d.messageId, d.reason);
    }
    return out;
  };
  return until('the dead letters of acked ids the sink never saw', async () => {
    const m = read();
    return mustHave.every((id) => m.has(id)) ? m : undefined;
  }, 10_000, 100).catch(() => read());
}

/** Seconds, one decimal. */
export const sec = (ms: number): number => Math.round(ms / 100) / 10;

/**
 * Waits until every id 1..N is in the acked logs (U1), checks each was acked once and every id
 * reached the sink (U2; dead-lettered ids excepted in poison mode), and computes the row.
 */
export async function finish(run: Run, scenario: string, faultAt: number | null, extra: Partial<Row> = {}, faulted: Faulted | false = {}): Promise<Row> {
  const start = faultAt ?? run.deployedAt;
  await until(`all ${run.n} ids acked at the spout`, async () => ackedCount(run.out) >= run.n, 180_000, 200);
  const doneAt = Date.now();
  run.stop();
  const acked = readIds(run.out, 'acked');
  const sink = readIds(run.out, 'sink');
  const expectedDead = new Set([...(DEAD_IDS[run.mode] ?? [])].filter((id) => id <= run.n));
  // Dead letters are terminal (acked at the spout, kept in dead.jsonl with their reason): not
  // lost, but a dead letter of an id that was not a planned poison is counted apart ("collateral").
  const dead = expectedDead.size > 0 ? await deadLetterIds(run, [...acked.keys()].filter((id) => !sink.has(id))) : new Map<number, string>();
  const lostIds: number[] = [];
  const collateral: string[] = [];
  let duplicates = 0;
  for (let id = 1; id <= run.n; id++) {
    const seen = sink.get(id) ?? 0;
    if (seen === 0 && !dead.has(id) && !expectedDead.has(id)) lostIds.push(id);
    if (dead.has(id) && !expectedDead.has(id)) collateral.push(`${id}:${dead.get(id)!}`);
    if (seen > 1) duplicates += seen - 1;
  }
  const ackedTwice = [...acked].filter(([, c]) => c > 1).map(([id]) => id);
  const strays = [...acked.keys(), ...sink.keys()].filter((id) => id < 1 || id > run.n);

  let recoverySec: number | null = null;
  let fullRateSec: number | null = null;
  if (faultAt !== null) {
    const base = [...run.samples].reverse().find((s) => s.t <= faultAt)?.acked ?? 0;
    const first = run.samples.find((s) => s.t > faultAt && s.acked > base);
    recoverySec = first ? sec(first.t - faultAt) : sec(doneAt - faultAt);
    const after = run.samples.filter((s) => s.t >= faultAt);
    for (const s of after) {
      const from = after.find((p) => p.t >= s.t - 1000);
      if (from === undefined || s.t - from.t < 900 || from.t < faultAt) continue;
      if ((s.acked - from.acked) * (1000 / (s.t - from.t)) >= 0.9 * run.rate) {
        fullRateSec = sec(s.t - faultAt);
        break;
      }
    }
    fullRateSec ??= sec(doneAt - faultAt); // the run ended before a full-rate window after the fault
  }
  const row: Row = {
    scenario, tuples: run.n, lost: lostIds.length, duplicates, recoverySec, fullRateSec, healedSec: null,
    totalSec: sec(doneAt - start), deadLettered: dead.size, collateralDead: collateral.length, note: '', ...extra,
  };
  if (collateral.length > 0) row.note = `${collateral.length} ids not planned as poison dead-lettered too (${collateral.slice(0, 5).join(', ')}${collateral.length > 5 ? ', ...' : ''})`;
  try {
    const spout = (await status(run.cluster)).components.find((c) => c.component === 'numbers');
    row.replays = spout?.failed ?? null;
  } catch {
    // status is best-effort here
  }
  rows.push(row);
  // eslint-disable-next-line no-console
  console.log(`chaos | ${formatRow(row)}`);
  // The acked-count samples behind the row, for a second look at a pause or a recovery time.
  const samplesDir = path.join(REPO_ROOT, 'test-results', 'chaos-samples');
  mkdirSync(samplesDir, { recursive: true });
  writeFileSync(path.join(samplesDir, `${scenario.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.json`), JSON.stringify({ scenario, faultAt, doneAt, samples: run.samples }));
  expect({ lost: lostIds.slice(0, 20), ackedTwice: ackedTwice.slice(0, 20), strays: strays.slice(0, 20) }).toEqual({ lost: [], ackedTwice: [], strays: [] });
  expect(acked.size).toBe(run.n);
  if (faulted !== false) {
    // U5 and U6; the row is already in the table, so a failure here still shows the numbers.
    const inv = await checkInvariants(run.cluster, doneAt, faulted);
    row.quiesceSec = sec(inv.quiesceMs);
    killCheckDue.set(run.cluster, faulted);
  }
  return row;
}

const HEAD = ['scenario', 'tuples', 'lost', 'duplicates', 'recovery s', 'full rate s', 'healed s', 'pause s', 'all acked s', 'spout fails', 'quiesce s', 'run s', 'note'];
const fmt = (v: number | null): string => (v === null ? '-' : String(v));
function cells(r: Row): string[] {
  return [r.scenario, String(r.tuples), String(r.lost), String(r.duplicates), fmt(r.recoverySec), fmt(r.fullRateSec), fmt(r.healedSec), fmt(r.pauseSec ?? null), fmt(r.totalSec), fmt(r.replays ?? null), fmt(r.quiesceSec ?? null), fmt(r.runSec ?? null), r.note];
}
export function formatRow(r: Row): string {
  return cells(r).join(' | ');
}

/** Prints the markdown table and appends this file's rows to test-results/chaos.json (`suite` names the file). */
export function report(suite = 'chaos'): string {
  const table = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cells(r).join(' | ')} |`)].join('\n');
  const dir = path.join(REPO_ROOT, 'test-results');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  let history: unknown[] = [];
  const file = path.join(dir, 'chaos.json');
  try {
    const prev = JSON.parse(readFileSync(file, 'utf8')) as { runs?: unknown[] };
    history = Array.isArray(prev.runs) ? prev.runs.slice(-29) : [];
  } catch {
    // first run
  }
  const run = { date: new Date().toISOString(), suite, node: process.version, rows };
  writeFileSync(file, `${JSON.stringify({ latest: run, runs: [...history, run] }, null, 2)}\n`);
  // eslint-disable-next-line no-console
  console.log(`chaos results (${run.date}):\n${table}`);
  return table;
}
