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
  return table.touched.map((k) => [table.words[k]!, table.counts[k]!]);
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
      expect(table.touched).toEqual([]);
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
    const first = table.words[table.touched[5]!];
    table.reset();
    table.addLine(`${words[5]} ${words[5]!.toUpperCase()}`);
    expect(counted(table)).toEqual([[words[5]!.toLowerCase(), 2]]);
    // The same string object as the first time: the next stage's Map has its hash already.
    expect(table.words[table.touched[0]!]).toBe(first);
  });

  it('tells apart words that share a hash slot and words that differ only past a prefix', () => {
    const table = new WordTable();
    const line = 'ab ba abc abcd abcd0 0abcd a b ab AB Ab aB';
    table.addLine(line);
    expect(counted(table)).toEqual(reference([line]));
  });
});
