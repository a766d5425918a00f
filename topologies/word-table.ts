/**
 * The combiner table of word-count's `split` (SplitWordsBolt with `combine`): counts the words of
 * lines straight from their characters. The words are those of `forEachAsciiWord` (maximal runs
 * of `[A-Za-z0-9]`, ASCII letters lower-cased).
 *
 * Why not a `Map<string, …>` keyed by the word: a word's string would be sliced out of its line
 * (and lower-cased) for every occurrence, only to be hashed by the Map and thrown away — 2M
 * short-lived strings on the benchmark's 2M-word corpus, for ~50k distinct words.
 *
 * Why the words are packed into the slots: the table is probed once per word, and on a 50k-word
 * vocabulary most probes of the Zipf tail miss the CPU's caches. A word of up to 12 characters
 * (nearly all of them in prose) is its own key: its characters, one byte each, in three 32-bit
 * cells of the slot, next to its count — a lookup compares three integers and bumps the count in
 * one cache line, without touching the word's string. A longer word keeps its first 8 characters
 * and a hash of the rest (sign bit set, so it never equals a short word's key) and is compared
 * against its stored string on a key match. A string is made only the first time a word is seen,
 * and the same string object is reported every time after (so the next stage's `Map` finds its
 * hash already computed).
 */

/** Per ASCII code: the character lower-cased if it is a word character (`[A-Za-z0-9]`), else 0. */
const WORD_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) WORD_CHAR[c] = c;
for (let c = 97; c <= 122; c++) WORD_CHAR[c] = WORD_CHAR[c - 32] = c;

/** Initial slots (a power of two); the table doubles once it is 3/4 full. */
const INITIAL_SLOTS = 1 << 12;
/** Int32 cells per slot: key0, key1, key2 (0 in key0: empty), count since the last reset. */
const CELLS = 4;
/** Characters a word may have to be its own key (one byte each in key0..key2). */
const INLINE_CHARS = 12;

/** FNV-1a, 32 bits: the characters of a long word past its first 8. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** The slot hash of a key (also what {@link WordTable.forEach} reports: the same for a word in every table). */
function mix(k0: number, k1: number, k2: number): number {
  let h = Math.imul(k0, 0x9e3779b1) ^ Math.imul(k1 ^ (k1 >>> 13), 0x85ebca6b) ^ Math.imul(k2 ^ (k2 >>> 16), 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return h ^ (h >>> 12);
}

export class WordTable {
  /** Distinct words seen, by word index (first-seen order); a word's index never changes. */
  private readonly words: string[] = [];
  /** Per slot: key0, key1, key2, count (see {@link CELLS}). */
  private slots = new Int32Array(CELLS * INITIAL_SLOTS);
  /** Per slot: its word's index + 1 (read only for new and long words and to report counts). */
  private refs = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** Slots counted since the last {@link reset}, in first-seen order. */
  private touched: number[] = [];

  /** Words counted since the last {@link reset}. */
  get size(): number {
    return this.touched.length;
  }

  /**
   * Calls `fn` with each word counted since the last {@link reset}, in the order they were first
   * seen since then: its count since the reset, and its hash (a function of the word alone, the
   * same in every table: for partitioning words between tasks).
   */
  forEach(fn: (word: string, count: number, hash: number) => void): void {
    const { slots, refs, words, touched } = this;
    for (let i = 0; i < touched.length; i++) {
      const s = touched[i]!;
      const b = s * CELLS;
      fn(words[refs[s]! - 1]!, slots[b + 3]!, mix(slots[b]!, slots[b + 1]!, slots[b + 2]!));
    }
  }

  /** Counts every word of `line`. */
  addLine(line: string): void {
    const n = line.length;
    let i = 0;
    while (i < n) {
      let c = line.charCodeAt(i);
      let t = c < 128 ? WORD_CHAR[c]! : 0;
      if (t === 0) {
        i++;
        continue;
      }
      const start = i;
      let k0 = t;
      let k1 = 0;
      let k2 = 0;
      let h = FNV_OFFSET;
      let len = 1;
      for (i++; i < n; i++, len++) {
        c = line.charCodeAt(i);
        t = c < 128 ? WORD_CHAR[c]! : 0;
        if (t === 0) break;
        if (len < 4) k0 |= t << (len << 3);
        else if (len < 8) k1 |= t << ((len - 4) << 3);
        else if (len < INLINE_CHARS) k2 |= t << ((len - 8) << 3);
        else h = Math.imul(h ^ t, FNV_PRIME);
      }
      this.add(line, start, i, k0, k1, len > INLINE_CHARS ? (Math.imul(k2, FNV_PRIME) ^ h) | 0x80000000 : k2);
      i++; // the separator that ended the word (or past the end)
    }
  }

  /** Forgets the counts since the last reset (the words stay). */
  reset(): void {
    const { slots, touched } = this;
    for (let i = 0; i < touched.length; i++) slots[touched[i]! * CELLS + 3] = 0;
    touched.length = 0;
  }

  /** Counts `line[start, end)` lower-cased, whose key is k0, k1, k2 (k2 < 0: a long word). */
  private add(line: string, start: number, end: number, k0: number, k1: number, k2: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = mix(k0, k1, k2) & mask;
    for (; ; s = (s + 1) & mask) {
      const b = s * CELLS;
      const a = slots[b]!;
      if (a === 0) break;
      if (a !== k0 || slots[b + 1] !== k1 || slots[b + 2] !== k2) continue;
      if (k2 < 0 && !sameWord(this.words[this.refs[s]! - 1]!, line, start, end)) continue;
      if (slots[b + 3]!++ === 0) this.touched.push(s);
      return;
    }
    // First sight of this word: the run is pure ASCII, so toLowerCase only maps A-Z.
    const raw = line.slice(start, end);
    const k = this.words.length;
    this.words.push(hasUpper(raw) ? raw.toLowerCase() : raw);
    const b = s * CELLS;
    slots[b] = k0;
    slots[b + 1] = k1;
    slots[b + 2] = k2;
    slots[b + 3] = 1;
    this.refs[s] = k + 1;
    this.touched.push(s);
    if (4 * this.words.length > 3 * mask) this.grow();
  }

  /** Doubles the slots, keeping every word's count and the touched order. */
  private grow(): void {
    const old = this.slots;
    const oldRefs = this.refs;
    const oldSlots = this.mask + 1;
    const mask = 2 * oldSlots - 1;
    const slots = new Int32Array(CELLS * (mask + 1));
    const refs = new Int32Array(mask + 1);
    const moved = new Int32Array(oldSlots);
    for (let o = 0; o < oldSlots; o++) {
      const ob = o * CELLS;
      const k0 = old[ob]!;
      if (k0 === 0) continue;
      const k1 = old[ob + 1]!;
      const k2 = old[ob + 2]!;
      let s = mix(k0, k1, k2) & mask;
      while (slots[s * CELLS] !== 0) s = (s + 1) & mask;
      const b = s * CELLS;
      slots[b] = k0;
      slots[b + 1] = k1;
      slots[b + 2] = k2;
      slots[b + 3] = old[ob + 3]!;
      refs[s] = oldRefs[o]!;
      moved[o] = s;
    }
    const touched = this.touched;
    for (let i = 0; i < touched.length; i++) touched[i] = moved[touched[i]!]!;
    this.slots = slots;
    this.refs = refs;
    this.mask = mask;
  }
}

function hasUpper(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** Whether `line[start, end)`, ASCII letters lower-cased, is `word`. */
function sameWord(word: string, line: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let i = 0; i < word.length; i++) {
    let c = line.charCodeAt(start + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}
