// Cluster scaling (GALE_BENCH_ONLY=scaling, via bench/analytics.mjs): the unacked word count
// (bench/cluster-topology.ts, split and count with max(2, workers) executors each) deployed with
// 1, 2 and 4 workers on 2 supervisors (2 slots each) on this machine, throughput read from worker
// heartbeats as bench/cluster.mjs does, and ZooKeeper's write rate (zxid advance per second, from
// `stat`) over 4 s once each deployment has counted its words: the coordination load per worker.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureCorpus } from './corpus.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const gale = join(root, 'packages/runtime/bin/gale.js');
const HEARTBEAT_MS = 250;

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function gale_(args, json) {
  const r = spawnSync(process.execPath, [gale, ...args, ...(json ? ['--json'] : [])], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`gale ${args.join(' ')}: ${r.stderr.trim()}`);
  return json ? JSON.parse(r.stdout) : undefined;
}

function fourLetter(port, cmd) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(cmd));
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('error', reject);
    s.on('close', () => resolve(out));
  });
}

/** ZooKeeper's last zxid (one per write transaction), packets and bytes received (`stat`, `mntr`). */
async function zxid(port) {
  const stat = await fourLetter(port, 'stat');
  const mntr = await fourLetter(port, 'mntr');
  const z = /Zxid: (0x[0-9a-f]+)/i.exec(stat);
  const rx = /Received: (\d+)/.exec(stat);
  const bytes = /zk_bytes_received_count\s+(\d+)/.exec(mntr);
  return { zxid: z ? Number(BigInt(z[1]) & 0xffffffffn) : null, packetsReceived: rx ? Number(rx[1]) : null, bytesReceived: bytes ? Number(bytes[1]) : null };
}

/** Deploys the unacked word count on `workers` workers; returns words/s and ZooKeeper load. */
async function one(zk, zkPort, corpus, words, workers) {
  const at = ['--zk', zk];
  const par = Math.max(2, workers);
  gale_(['deploy', join(here, 'cluster-topology.ts'), ...at, '--name', 'scale', '--set', `input=${corpus}`, '--set', 'acked=false', '--set', 'mode=count',
    '--set', `workers=${workers}`, '--set', `parallelism=${par}`, '--wait', '60', '--log-level', 'error']);
  let start = 0;
  let end = 0;
  let counted = 0;
  let previous = performance.now();
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const status = gale_(['status', 'scale', ...at], true);
    const count = status.components.find((c) => c.component === 'count');
    const spout = status.components.find((c) => c.component === 'lines');
    const now = performance.now();
    if (start === 0 && spout.emitted > 0) start = (previous + now) / 2;
    previous = now;
    counted = count.executed;
    if (counted >= words) { end = now; break; }
    await sleep(100);
  }
  if (end === 0) throw new Error(`scaling ${workers} workers: counted only ${counted} of ${words} words`);
  // Coordination load of the deployed topology (workers heartbeating, supervisors checking), over 4 s.
  const z0 = { ...(await zxid(zkPort)), at: performance.now() };
  await sleep(4000);
  const z1 = { ...(await zxid(zkPort)), at: performance.now() };
  gale_(['kill', 'scale', ...at, '--wait', '0', '--log-level', 'error']);
  // Wait until the topology's record is gone so the next deploy of the same name is accepted.
  for (let i = 0; i < 100; i++) {
    const r = spawnSync(process.execPath, [gale, 'status', 'scale', ...at, '--json'], { encoding: 'utf8', cwd: root });
    if (r.status !== 0) break;
    await sleep(200);
  }
  const secs = (z1.at - z0.at) / 1000;
  const r = {
    workers, executorsPerBolt: par, words: counted, seconds: (end - start) / 1000, tuplesPerSec: counted / ((end - start) / 1000),
    zkWritesPerSec: z0.zxid === null ? null : (z1.zxid - z0.zxid) / secs,
    zkPacketsPerSec: z0.packetsReceived === null ? null : (z1.packetsReceived - z0.packetsReceived) / secs,
    zkBytesPerSec: z0.bytesReceived === null ? null : (z1.bytesReceived - z0.bytesReceived) / secs,
  };
  process.stderr.write(`  cluster ${workers} worker(s): ${(r.tuplesPerSec / 1e6).toFixed(2)}M words/s, ZooKeeper ${r.zkWritesPerSec?.toFixed(1)} writes/s, ${r.zkPacketsPerSec?.toFixed(1)} requests/s, ${((r.zkBytesPerSec ?? 0) / 1024).toFixed(1)} KiB/s (heartbeat ${HEARTBEAT_MS} ms)\n`);
  return r;
}

/** Starts ZooKeeper and 2 supervisors (2 slots each), measures 1, 2, 4 workers, stops everything. */
export async function clusterScaling(words) {
  const dir = mkdtempSync(join(tmpdir(), 'gale-bench-scaling-'));
  const zkPort = await freePort();
  const zk = `127.0.0.1:${zkPort}`;
  const procs = [];
  try {
    const z = spawnSync('bash', [join(root, 'deploy/zookeeper.sh'), 'start', '--port', String(zkPort), '--dir', join(dir, 'zk')], { encoding: 'utf8' });
    if (z.status !== 0) throw new Error(`zookeeper: ${z.stderr || z.stdout}`);
    const corpus = await ensureCorpus(words);
    for (let i = 0; i < 2; i++) {
      const ports = [await freePort(), await freePort()];
      procs.push(spawn(process.execPath, [gale, 'supervisor', '--zk', zk, '--id', `scale-s${i}`, '--host', '127.0.0.1', '--ports', ports.join(','),
        '--dir', join(dir, `s${i}`), '--heartbeat', String(HEARTBEAT_MS), '--log-level', 'error', '--http-port', '0'],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], detached: true }));
    }
    // Idle coordination load: supervisors only, no topology.
    await sleep(2000);
    const i0 = await zxid(zkPort);
    await sleep(5000);
    const i1 = await zxid(zkPort);
    const idle = {
      zkWritesPerSec: i0.zxid === null ? null : (i1.zxid - i0.zxid) / 5, zkPacketsPerSec: i0.packetsReceived === null ? null : (i1.packetsReceived - i0.packetsReceived) / 5,
      zkBytesPerSec: i0.bytesReceived === null ? null : (i1.bytesReceived - i0.bytesReceived) / 5,
    };
    const out = [];
    for (const w of [1, 2, 4]) out.push(await one(zk, zkPort, corpus, words, w));
    return { words, heartbeatMs: HEARTBEAT_MS, idleSupervisors: { supervisors: 2, ...idle }, workers: out };
  } finally {
    for (const p of procs) { try { process.kill(-p.pid, 'SIGTERM'); } catch { /* gone */ } }
    await sleep(1500);
    for (const p of procs) { try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ } }
    spawnSync('bash', [join(root, 'deploy/zookeeper.sh'), 'stop', '--port', String(zkPort), '--dir', join(dir, 'zk')]);
    rmSync(dir, { recursive: true, force: true });
  }
}
