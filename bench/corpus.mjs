// Deterministic benchmark corpus: random lines of the bundled sample text.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * mulberry32: the same seed always gives the same sequence (shared by the bench corpora). The
 * TypeScript side's copy is topologies/gen-data.ts `prng` (tests use that one): this plain-Node
 * script cannot import a .ts file (Node 20, no loader), nor can jest's CommonJS transform load an .mjs.
 */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes (once) and returns the path of a corpus of at least `words` words: lines drawn at random
 * (seeded) from the bundled sample text (English prose), so word frequencies are those of real text.
 */
export async function ensureCorpus(words) {
  const path = join(tmpdir(), `gale-bench-corpus-${words}.txt`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const { readFileSync, renameSync } = await import('node:fs');
  const sample = readFileSync(new URL('../topologies/data/sample.txt', import.meta.url), 'utf8')
    .split('\n').filter((l) => /[A-Za-z0-9]/.test(l));
  const countWords = (l) => (l.match(/[A-Za-z0-9]+/g) ?? []).length;
  const rand = rng(42);
  const out = createWriteStream(path + '.tmp');
  let written = 0;
  let buf = '';
  while (written < words) {
    const line = sample[Math.floor(rand() * sample.length)];
    buf += line + '\n';
    written += countWords(line);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  renameSync(path + '.tmp', path);
  return path;
}
