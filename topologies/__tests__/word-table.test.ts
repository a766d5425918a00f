import { prng as rng } from '../gen-data.js';
import { forEachAsciiWord } from '../word-count.js';
import { WordTable } from '../word-table.js';

/** Characters a line is made of: word characters of both cases, separators, non-ASCII (the Kelvin sign, é, an astral emoji). */
const ALPHABET = ['a', 'b', 'c', 'z', 'A', 'B', 'Z', '0', '9', ' ', ',', '.', '-', '\t', '\u212a', 'é', '\u{1f600}', '[', '`', '@', '/', ':'];

function randomLine(rand: () => number): string {
  let line = '';
  const n = Math.floor(rand() * 40);
  for (let i = 0; i < n; i++) line += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return line;
}

/** What the table must find in `lines`: each word's count, in first-seen order (forEachAsciiWord and a Map). */
function reference(lines: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const line of lines) forEachAsciiWord(line, (w) => counts.set(w, (counts.get(w) ?? 0) + 1));
  return [...counts];
}

function counted(table: WordTable): [string, number][] {
  const out: [string, number][] = [];
  table.forEach((word, n) => out.push([word, n]));
  expect(table.size).toBe(out.length);
  return out;
}

describe('WordTable (the word-count combiner)', () => {
  it('counts the words forEachAsciiWord finds, per input, over 2,000 random batches', () => {
    const rand = rng(9);
    const table = new WordTable();
    for (let round = 0; round < 2000; round++) {
      const lines = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => randomLine(rand));
      for (const line of lines) table.addLine(line);
      expect(counted(table)).toEqual(reference(lines));
      table.reset();
      expect(counted(table)).toEqual([]);
    }
  });

  it('keeps every word apart while it grows far past its first size, and emits one string per word', () => {
    const table = new WordTable();
    const words = Array.from({ length: 30_000 }, (_, i) => `W${i.toString(36)}x`);
    table.addLine(words.join(' '));
    table.addLine(words.slice(0, 100).join(' ').toLowerCase());
    const got = counted(table);
    expect(got).toHaveLength(words.length);
    expect(got.slice(0, 100).every(([, n]) => n === 2)).toBe(true);
    expect(got.slice(100).every(([, n]) => n === 1)).toBe(true);
    expect(got.map(([w]) => w)).toEqual(words.map((w) => w.toLowerCase()));
    const first = got[5]![0];
    table.reset();
    table.addLine(`${words[5]} ${words[5]!.toUpperCase()}`);
    expect(counted(table)).toEqual([[words[5]!.toLowerCase(), 2]]);
    // The same string object as the first time: the next stage's Map has its hash already.
    expect(counted(table)[0]![0]).toBe(first);
  });

  it('tells apart words that share a hash slot and words that differ only past a prefix', () => {
    const table = new WordTable();
    const line = 'ab ba abc abcd abcd0 0abcd a b ab AB Ab aB';
    table.addLine(line);
    expect(counted(table)).toEqual(reference([line]));
  });

  it('keys words of up to 12 characters by their characters and longer ones by a hash and the stored word', () => {
    // Words of 1..24 characters over 3 letters: many share their first 8 or 12 characters, so
    // long words' keys collide often and must be told apart by their strings.
    const rand = rng(17);
    const letters = ['a', 'B', '0'];
    const lines = Array.from({ length: 400 }, () => Array.from({ length: 1 + Math.floor(rand() * 30) }, () => {
      const len = 1 + Math.floor(rand() * 24);
      let word = '';
      for (let i = 0; i < len; i++) word += letters[Math.floor(rand() * letters.length)];
      return word;
    }).join(rand() < 0.5 ? ' ' : '-'));
    const table = new WordTable();
    for (const line of lines) table.addLine(line);
    const want = reference(lines);
    expect(want.some(([w]) => w.length === 12) && want.some(([w]) => w.length === 13)).toBe(true);
    expect(counted(table)).toEqual(want);
  });

  it('reports the same hash for a word in every table, whatever else it holds', () => {
    const a = new WordTable();
    const b = new WordTable();
    a.addLine('one two three aVeryLongWordIndeed 42');
    b.addLine(Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' '));
    b.addLine('42 averylongwordindeed THREE two ONE');
    const hashes = (t: WordTable): Map<string, number> => {
      const out = new Map<string, number>();
      t.forEach((word, _n, hash) => out.set(word, hash));
      return out;
    };
    const ha = hashes(a);
    const hb = hashes(b);
    for (const [word, hash] of ha) expect(hb.get(word)).toBe(hash);
    expect(new Set(ha.values()).size).toBe(ha.size);
  });
});
