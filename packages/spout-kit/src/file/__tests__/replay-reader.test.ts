import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplayReader } from '../replay-reader.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-replay-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ReplayReader', () => {
  it('reads a range as lines and serves later ranges inside its window without reading again', async () => {
    const path = join(dir, 'f.txt');
    const text = 'alpha\r\nbeta\n\ngamma\nlast';
    writeFileSync(path, text);
    const h = await open(path, 'r');
    try {
      const r = new ReplayReader(h, 'utf8', 64);
      expect(r.cached(0, 7)).toBeUndefined(); // nothing read yet
      expect(await r.read(0, 7)).toEqual(['alpha']);
      truncateSync(path, 0); // what follows comes from the window, not the file
      expect(r.cached(7, 12)).toEqual(['beta']);
      expect(r.cached(7, 19)).toEqual(['beta', '', 'gamma']);
      expect(r.cached(19, text.length)).toEqual(['last']); // the last line, without newline
      expect(r.cached(19, text.length + 1)).toBeUndefined(); // past what the window holds
      expect(r.holding).toBe(true);
      r.release();
      expect(r.holding).toBe(false);
      expect(r.cached(7, 12)).toBeUndefined(); // the window is gone
    } finally {
      await h.close();
    }
  });

  it('reads a range longer than its window whole, and says where a truncated file ends', async () => {
    const path = join(dir, 'g.txt');
    writeFileSync(path, 'x'.repeat(100) + '\nshort\n');
    const h = await open(path, 'r');
    try {
      const r = new ReplayReader(h, 'utf8', 8);
      expect(await r.read(0, 101)).toEqual(['x'.repeat(100)]);
      truncateSync(path, 104);
      expect(await r.read(101, 107)).toBe(104);
    } finally {
      await h.close();
    }
  });
});
