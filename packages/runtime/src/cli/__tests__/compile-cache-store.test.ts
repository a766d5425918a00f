import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pruneCompileCache, unsafeCacheDir, writeCompileCache } from '../compile-cache.js';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'gale-ccs-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('unsafeCacheDir', () => {
  it('accepts a directory of this user that only it can write, creating it (mode 0700) when missing', () => {
    expect(unsafeCacheDir(tmp)).toBeUndefined();
    const fresh = path.join(tmp, 'a', 'b');
    expect(unsafeCacheDir(fresh)).toBeUndefined();
    expect(readdirSync(path.join(tmp, 'a'))).toEqual(['b']);
  });

  it('refuses a directory others can write (a pre-created shared one)', () => {
    const open = path.join(tmp, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(unsafeCacheDir(open)).toMatch(/writable by group or others \(mode 777\)/);
  });

  it('refuses a symlink, even to a safe directory', () => {
    const real = path.join(tmp, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, path.join(tmp, 'link'));
    expect(unsafeCacheDir(path.join(tmp, 'link'))).toBe('it is a symbolic link');
  });

  it('refuses a file', () => {
    writeFileSync(path.join(tmp, 'file'), '');
    expect(unsafeCacheDir(path.join(tmp, 'file'))).toMatch(/^cannot create it|it is not a directory/);
  });
});

describe('writeCompileCache', () => {
  it('leaves no temporary file (nor the bundle) behind when the entry cannot be written', () => {
    const key = 'k'.repeat(32);
    mkdirSync(path.join(tmp, `${key}.json`, 'in-the-way'), { recursive: true }); // the manifest's rename fails
    const reason = writeCompileCache(tmp, key, Buffer.from('export default 1;\n'), [], [], []);
    expect(reason).toMatch(/^cannot write it/);
    expect(readdirSync(tmp)).toEqual([`${key}.json`]);
  });
});

describe('pruneCompileCache', () => {
  const DAY = 24 * 3600_000;
  function entry(name: string, ageMs: number): void {
    writeFileSync(path.join(tmp, `${name}.json`), JSON.stringify({ bundle: `${name}-b.mjs` }));
    writeFileSync(path.join(tmp, `${name}-b.mjs`), '');
    const t = new Date(Date.now() - ageMs);
    utimesSync(path.join(tmp, `${name}.json`), t, t);
    utimesSync(path.join(tmp, `${name}-b.mjs`), t, t);
  }

  it('deletes entries unused for more than 7 days (manifest and bundle) once the directory holds more than 50 files', () => {
    for (let i = 0; i < 26; i++) entry(`old${i}`, 8 * DAY);
    entry('recent', 6 * DAY); // its bundle is old too, but the manifest was used
    writeFileSync(path.join(tmp, 'x.mjs.1-2.tmp'), '');
    utimesSync(path.join(tmp, 'x.mjs.1-2.tmp'), new Date(Date.now() - 8 * DAY), new Date(Date.now() - 8 * DAY));
    pruneCompileCache(tmp);
    expect(readdirSync(tmp).sort()).toEqual(['recent-b.mjs', 'recent.json']);
  });

  it('does nothing while the directory holds at most 50 files', () => {
    for (let i = 0; i < 25; i++) entry(`old${i}`, 8 * DAY);
    pruneCompileCache(tmp);
    expect(readdirSync(tmp)).toHaveLength(50);
  });
});
