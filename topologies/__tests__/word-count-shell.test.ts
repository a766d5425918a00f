// topologies/split_words.py speaks Storm's multilang protocol: this test plays the ShellBolt's side
// over real pipes (handshake with pidDir, a tuple, a heartbeat) until gale's ShellBolt runs it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DIR = path.join(__dirname, '..');

/** Reads `end`-terminated JSON messages from a stream. */
function messages(stream: NodeJS.ReadableStream): () => Promise<unknown> {
  let buf = '';
  const queue: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\nend\n'); i >= 0; i = buf.indexOf('\nend\n')) {
      const msg = JSON.parse(buf.slice(0, i)) as unknown;
      buf = buf.slice(i + 5);
      const w = waiting.shift();
      if (w) w(msg);
      else queue.push(msg);
    }
  });
  return () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

describe('word-count-shell', () => {
  it('split_words.py: handshake, pid file, anchored emits and ack, heartbeat sync', async () => {
    const pidDir = mkdtempSync(path.join(os.tmpdir(), 'gale-pid-'));
    const child = spawn('python3', ['split_words.py'], { cwd: DIR, stdio: ['pipe', 'pipe', 'inherit'] });
    const next = messages(child.stdout);
    const send = (m: unknown): void => void child.stdin.write(`${JSON.stringify(m)}\nend\n`);
    try {
      send({ pidDir, conf: {}, context: { taskid: 3, 'task->component': { 3: 'split' }, componentid: 'split' } });
      const { pid } = (await next()) as { pid: number };
      expect(pid).toBe(child.pid);
      expect(existsSync(path.join(pidDir, String(pid)))).toBe(true);
      send({ id: 't1', comp: 'lines', stream: 'default', task: 1, tuple: ['Storm, GALE storm!'] });
      expect([await next(), await next(), await next(), await next()]).toEqual([
        { command: 'emit', anchors: ['t1'], tuple: ['storm'], need_task_ids: false },
        { command: 'emit', anchors: ['t1'], tuple: ['gale'], need_task_ids: false },
        { command: 'emit', anchors: ['t1'], tuple: ['storm'], need_task_ids: false },
        { command: 'ack', id: 't1' },
      ]);
      send({ id: 'h', comp: '__system', stream: '__heartbeat', task: -1, tuple: [] });
      expect(await next()).toEqual({ command: 'sync' });
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('close', resolve));
      rmSync(pidDir, { recursive: true, force: true });
    }
  });
});
