#!/usr/bin/env node
// The same two-process pipe as raw-pipe.mjs, through gale's PeerServer / PeerClient (HMAC handshake,
// batching by flushCount, schema checks on both ends, bounded buffering with drain). Needs `npm run build`.
// Prints one JSON line. Usage: node bench/transport/gale-pipe.mjs [tuples=2000000] [flushCount=100] [flushMs=1]
// BENCH_PROF=1 also writes a CPU profile of each sender process to /tmp/prof.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

process.env.GALE_LOG_LEVEL ??= 'warn';
const { PeerClient, PeerServer } = await import('../../packages/runtime/dist/transport/index.js');

const isChild = process.argv[2] === '--child';
const args = isChild ? process.argv.slice(5) : process.argv.slice(2); // child: --child url shape tuples flushCount flushMs
const TUPLES = Number(args[0] ?? 2_000_000);
const FLUSH_COUNT = Number(args[1] ?? 100);
const FLUSH_MS = Number(args[2] ?? 1);
const SECRET = 'bench-secret-bench-secret-bench-secret';
const TOPOLOGY = 'bench';

async function child(url, shape) {
  const client = new PeerClient({ address: url, secret: SECRET, topology: TOPOLOGY, workerId: 'sender', epoch: 1, flushCount: FLUSH_COUNT, flushMs: FLUSH_MS });
  await new Promise((resolve) => client.once('open', resolve));
  const roots = Array.from({ length: 1024 }, (_, i) => Math.floor(Math.random() * 2 ** 21) * 2 ** 32 + i);
  const values = ['word'];
  for (let k = 0; k < TUPLES; k++) {
    const anchors = shape === 'acked' ? [roots[k & 1023], (k * 2654435761) | 0, ~k] : null;
    while (!client.sendTuple(k & 7, 1, 0, values, anchors)) {
      await new Promise((resolve) => client.once('drain', resolve));
    }
  }
  client.flush();
  await client.close();
}

async function run(shape) {
  let received = 0;
  let t0 = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const server = await PeerServer.listen({
    port: 0, secret: SECRET, topology: TOPOLOGY, workerId: 'receiver',
    onFrame: (_peer, frame) => {
      if (frame[0] === 1) received += frame[1].length;
      if (received >= TUPLES) done(performance.now() - t0);
    },
  });
  server.on('peer.open', () => (t0 = performance.now()));
  const proc = fork(fileURLToPath(import.meta.url), ['--child', server.url, shape, String(TUPLES), String(FLUSH_COUNT), String(FLUSH_MS)], { stdio: 'inherit', execArgv: process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [] });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const ms = await Promise.race([finished, exited.then((code) => new Promise((_, reject) => setTimeout(() => reject(new Error(`sender exited (${code}); received ${received} of ${TUPLES} tuples`)), code === 0 ? 30_000 : 0)))]);
  await exited;
  const stats = server.stats();
  await server.close();
  return { tuplesPerSec: Math.round(TUPLES / (ms / 1000)), seconds: +(ms / 1000).toFixed(3), framesIn: stats.framesIn, tuplesPerFrame: +(stats.recordsIn / stats.framesIn).toFixed(1) };
}

if (isChild) {
  const [, , , url, shape] = process.argv;
  await child(url, shape);
} else {
  const plain = await run('plain');
  const acked = await run('acked');
  process.stdout.write(`${JSON.stringify({ bench: 'gale-pipe', tuples: TUPLES, flushCount: FLUSH_COUNT, flushMs: FLUSH_MS, node: process.version, plain, acked })}\n`);
}
