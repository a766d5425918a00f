// writeLinesAtomic makes the directory and opens the temporary file while the caller's lines are
// still being built, so a failure while building them must still close and remove that file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLinesAtomic } from '../atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeLinesAtomic', () => {
  it('writes the lines into a new directory, in pieces, and leaves only the file', async () => {
    const path = join(dir, 'sub', 'out.txt');
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i}`);
    await writeLinesAtomic(path, lines);
    expect(readFileSync(path, 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(readdirSync(join(dir, 'sub'))).toEqual(['out.txt']);
  });

  it.each([0, 150_000])('lines that throw after %d lines: GALE_ERR_FILE_WRITE, the old file kept, no temporary file left', async (after) => {
    const path = join(dir, 'out.txt');
    await writeLinesAtomic(path, ['old']);
    function* failing(): Iterable<string> {
      for (let i = 0; i < after; i++) yield `line ${i}`;
      throw new Error('sort failed');
    }
    await expect(writeLinesAtomic(path, failing())).rejects.toMatchObject({ code: 'GALE_ERR_FILE_WRITE', message: expect.stringContaining('sort failed') });
    expect(readdirSync(dir)).toEqual(['out.txt']);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
  });
});
