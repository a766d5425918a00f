#!/usr/bin/env node
// The transport ceiling: two processes, plain `ws` + `msgpackr` (no gale code). A forked child sends N
// word-count tuples `[targetTask, sourceTask, 0, ['word'], null]` in frames of BATCH tuples
// (`[1, records]`, the gale TUPLES layout) over one ws connection to the parent, which decodes every
// frame and counts records. Repeated with acked-shaped tuples (anchors `[root, hi, lo]`).
// Prints one JSON line. Usage: node bench/transport/raw-pipe.mjs [tuples=2000000] [batch=100]
// Set WS_NO_BUFFER_UTIL=1 to measure ws without the native masking helper.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { WebSocket, WebSocketServer } from 'ws';

const require = createRequire(import.meta.url);
const isChild = process.argv[2] === '--child';
const args = isChild ? process.argv.slice(5) : process.argv.slice(2); // child: --child port shape tuples batch
const TUPLES = Number(args[0] ?? 2_000_000);
const BATCH = Number(args[1] ?? 100);
const HIGH_WATER = 4 * 1024 * 1024;
const packr = new Packr({ useRecords: false, mapsAsObjects: true });

function hasBufferutil() {
  if (process.env.WS_NO_BUFFER_UTIL) return false;
  try {
    require.resolve('bufferutil');
    return true;
  } catch {
    return false;
  }
}

async function child(port, shape) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  // anchors as the engine makes them: a 53-bit root and two int32 edge halves per tree
  const roots = Array.from({ length: 1024 }, (_, i) => Math.floor(Math.random() * 2 ** 21) * 2 ** 32 + i);
  let resume = null;
  const onSent = () => {
    if (resume !== null && ws.bufferedAmount <= HIGH_WATER / 2) {
      const r = resume;
      resume = null;
      r();
    }
  };
  let sent = 0;
  while (sent < TUPLES) {
    const n = Math.min(BATCH, TUPLES - sent);
    const records = new Array(n);
    for (let i = 0; i < n; i++) {
      const k = sent + i;
      records[i] = [k & 7, 1, 0, ['word'], shape === 'acked' ? [roots[k & 1023], (k * 2654435761) | 0, ~k] : null];
    }
    sent += n;
    ws.send(packr.pack([1, records]), onSent);
    // same policy as gale's PeerClient: stop above the bound, resume once half of it was written out
    if (ws.bufferedAmount > HIGH_WATER) await new Promise((resolve) => (resume = resolve));
  }
  await new Promise((resolve) => ws.send(packr.pack([7, 'done', '']), resolve));
  ws.close();
}

async function run(shape) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address();
  let received = 0;
  let t0 = 0;
  const finished = new Promise((resolve, reject) => {
    wss.on('connection', (ws) => {
      t0 = performance.now();
      ws.on('message', (data) => {
        const frame = packr.unpack(data);
        if (frame[0] === 1) received += frame[1].length;
        if (received >= TUPLES) resolve(performance.now() - t0);
      });
      ws.on('error', reject);
    });
  });
  const proc = fork(fileURLToPath(import.meta.url), ['--child', String(port), shape, String(TUPLES), String(BATCH)], { stdio: 'inherit' });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const ms = await Promise.race([finished, exited.then((code) => new Promise((_, reject) => setTimeout(() => reject(new Error(`sender exited (${code}); received ${received} of ${TUPLES} tuples`)), code === 0 ? 30_000 : 0)))]);
  await exited;
  await new Promise((resolve) => wss.close(resolve));
  return { tuplesPerSec: Math.round(TUPLES / (ms / 1000)), seconds: +(ms / 1000).toFixed(3) };
}

if (isChild) {
  const [, , , port, shape] = process.argv;
  await child(Number(port), shape);
} else {
  const plain = await run('plain');
  const acked = await run('acked');
  process.stdout.write(`${JSON.stringify({ bench: 'raw-pipe', tuples: TUPLES, batch: BATCH, bufferutil: hasBufferutil(), node: process.version, plain, acked })}\n`);
}
