// Deterministic benchmark corpus: Zipf-distributed words from a fixed vocabulary, ~12 words a line.
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes (once) and returns the path of a corpus of exactly `words` words. */
export async function ensureCorpus(words) {
  const path = join(tmpdir(), `gale-bench-corpus-${words}.txt`);
  if (existsSync(path) && statSync(path).size > 0) return path;
  const rand = rng(42);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const vocab = Array.from({ length: 20000 }, (_, i) => {
    let w = '';
    const len = 2 + (i % 9);
    for (let j = 0; j < len; j++) w += letters[Math.floor(rand() * 26)];
    return i % 3 === 0 ? w[0].toUpperCase() + w.slice(1) : w;
  });
  // Zipf via inverse CDF over precomputed cumulative weights.
  const cum = new Float64Array(vocab.length);
  let total = 0;
  for (let i = 0; i < vocab.length; i++) cum[i] = total += 1 / (i + 1);
  const pick = () => {
    const x = rand() * total;
    let lo = 0, hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid] < x) lo = mid + 1; else hi = mid;
    }
    return vocab[lo];
  };
  const seps = [' ', ' ', ' ', ', ', '. ', ' - ', '; '];
  const out = createWriteStream(path + '.tmp');
  let written = 0;
  let buf = '';
  while (written < words) {
    const n = Math.min(words - written, 8 + Math.floor(rand() * 9));
    let line = '';
    for (let i = 0; i < n; i++) line += (i ? seps[Math.floor(rand() * seps.length)] : '') + pick();
    buf += line + '\n';
    written += n;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once('drain', r));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  const { renameSync } = await import('node:fs');
  renameSync(path + '.tmp', path);
  return path;
}
