// A throwaway redis-server for the Redis Streams benchmark, as test/harness/redis.ts starts one:
// free loopback port, temp dir, no persistence. Returns null when redis-server is not installed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const BIN = '/usr/bin/redis-server';
const WORDS = ['the', 'and', 'alice', 'rabbit', 'queen', 'hatter', 'tea', 'cat', 'king', 'turtle', 'gryphon', 'dormouse'];

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** CPU seconds (user + system) a process has used, from /proc (Linux; null elsewhere). */
function cpuSecondsOf(pid) {
  try {
    // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Starts redis-server; `fill(n)` replaces stream "bench" with n entries `{ word }`; `cpuSeconds()`
 * is the server's CPU time so far (null off Linux); `stop()` kills it.
 */
export async function startRedisServer() {
  if (!existsSync(BIN)) return null;
  const dir = mkdtempSync(join(tmpdir(), 'gale-bench-redis-'));
  const port = await freePort();
  const proc = spawn(BIN, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
  client.on('error', () => { /* refused until the server listens: the loop below retries */ });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`redis-server did not start on ${port}: ${err.message}`, { cause: err }); }
      client.disconnect();
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    cpuSeconds: () => cpuSecondsOf(proc.pid),
    async fill(n) {
      await client.del('bench');
      for (let i = 0; i < n; i += 1000) {
        const p = client.pipeline();
        for (let j = i; j < Math.min(n, i + 1000); j++) p.xadd('bench', '*', 'word', WORDS[j % WORDS.length]);
        await p.exec();
      }
    },
    async stop() {
      client.disconnect();
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
