// A worker's log file: appended, rotated by size, and read (and followed across a rotation) by
// the supervisor's log endpoint.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { logQueryTarget, matchesQuery, parseLogQuery } from '../log-query.js';
import { LogTail } from '../log-tail.js';
import { RotatingLogFile, workerLogFile } from '../rotating-log-file.js';

describe('worker log files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gale-log-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lives at <dir>/logs/<topology>/worker-<port>.log', () => {
    expect(workerLogFile('/var/gale', 'wc', 6700)).toBe('/var/gale/logs/wc/worker-6700.log');
  });

  it('rotates by size, keeping the newest files', () => {
    const file = path.join(dir, 'logs', 't', 'worker-1.log');
    const f = new RotatingLogFile(file, { maxBytes: 100, keep: 2 });
    const line = (i: number): string => `${JSON.stringify({ i, pad: 'x'.repeat(30) })}\n`; // 50 bytes
    for (let i = 0; i < 7; i++) f.write(line(i));
    f.close();
    expect(readFileSync(file, 'utf8')).toBe(line(6));
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(line(4) + line(5));
    expect(readFileSync(`${file}.2`, 'utf8')).toBe(line(2) + line(3));
    expect(existsSync(`${file}.3`)).toBe(false);
    // Reopened: appends to the size already on disk.
    const again = new RotatingLogFile(file, { maxBytes: 100, keep: 2 });
    again.write(line(7));
    again.close();
    expect(readFileSync(file, 'utf8')).toBe(line(6) + line(7));
  });

  it('a tail hands over complete lines once, and starts over on a rotated file', async () => {
    const file = path.join(dir, 'w.log');
    const f = new RotatingLogFile(file, { maxBytes: 60, keep: 1 });
    const tail = new LogTail(file);
    const got: string[] = [];
    const read = (): Promise<void> => tail.read((l) => void got.push(l));
    await read();
    expect(got).toEqual([]);
    f.write('{"a":1}\n{"a":2}\n');
    await read();
    await read();
    expect(got).toEqual(['{"a":1}', '{"a":2}']);
    f.write(`{"b":"${'é'.repeat(20)}"}\n`); // 16 + 49 bytes > 60: rotated first, so it opens a new file
    f.write('{"c":3}\n');
    await read();
    expect(got.slice(2)).toEqual([`{"b":"${'é'.repeat(20)}"}`, '{"c":3}']);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    f.close();
  });

  it('a log query survives its trip through the request target and filters entries', () => {
    const q = { topology: 'wc', component: 'split words', task: 3, sinceMs: 1000, follow: true };
    expect(parseLogQuery(logQueryTarget(q))).toEqual(q);
    expect(parseLogQuery('/logs/wc')).toEqual({ topology: 'wc', follow: false });
    expect(parseLogQuery('/logs/..%2Fetc')).toBe('bad topology name');
    expect(parseLogQuery('/logs/wc?task=-1')).toBe('task and since must be non-negative integers');
    expect(matchesQuery({ component: 'split words', task: 3, time: 1000 }, q)).toBe(true);
    expect(matchesQuery({ component: 'split words', task: 3, time: 999 }, q)).toBe(false);
    expect(matchesQuery({ component: 'split words', task: 4, time: 1000 }, q)).toBe(false);
    expect(matchesQuery({ task: 3, time: 1000 }, q)).toBe(false);
  });
});
