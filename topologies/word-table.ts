/**
 * The combiner table of word-count's `split` (SplitWordsBolt with `combine`): counts the words of
 * lines straight from their characters. The words are those of `forEachAsciiWord` (maximal runs
 * of `[A-Za-z0-9]`, ASCII letters lower-cased).
 *
 * Why not a `Map<string, …>` keyed by the word: a word's string would be sliced out of its line
 * (and lower-cased) for every occurrence, only to be hashed by the Map and thrown away — 2M
 * short-lived strings on the benchmark's 2M-word corpus, for ~50k distinct words. Here the word's
 * hash is computed while its characters are scanned, looked up in an open-addressing table of
 * typed arrays and compared in place against the stored word; a string is made only the first
 * time a word is seen, and the same string object is emitted every time after (so the next
 * stage's `Map` finds its hash already computed).
 */

/** Initial slots (a power of two); the table doubles once it is half full. */
const INITIAL_SLOTS = 1 << 12;

/** FNV-1a, 32 bits. */
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

export class WordTable {
  /** Distinct words seen, in first-seen order; a word's index never changes. */
  readonly words: string[] = [];
  /** Occurrences of each word since the last {@link reset}, by word index. */
  readonly counts: number[] = [];
  /** Indexes of the words counted since the last {@link reset}, in first-seen order. */
  readonly touched: number[] = [];
  /** Per slot: [hash, word index + 1], 0 in the second cell for an empty slot. */
  private slots = new Int32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;

  /** Counts every word of `line`. */
  addLine(line: string): void {
    const n = line.length;
    let start = -1;
    let upper = false;
    let h = FNV_OFFSET;
    for (let i = 0; i < n; i++) {
      let c = line.charCodeAt(i);
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        if (start < 0) {
          start = i;
          h = FNV_OFFSET;
        }
      } else if (c >= 65 && c <= 90) {
        if (start < 0) {
          start = i;
          h = FNV_OFFSET;
        }
        upper = true;
        c += 32;
      } else {
        if (start >= 0) {
          this.add(line, start, i, h, upper);
          start = -1;
          upper = false;
        }
        continue;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (start >= 0) this.add(line, start, n, h, upper);
  }

  /** Forgets the counts since the last reset (the words stay). */
  reset(): void {
    const { counts, touched } = this;
    for (let i = 0; i < touched.length; i++) counts[touched[i]!] = 0;
    touched.length = 0;
  }

  /** Counts `line[start, end)` lower-cased, whose hash is `h`. */
  private add(line: string, start: number, end: number, h: number, upper: boolean): void {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const ref = slots[2 * s + 1]!;
      if (ref === 0) break;
      if (slots[2 * s] !== h) continue;
      const k = ref - 1;
      if (!sameWord(this.words[k]!, line, start, end)) continue;
      if (this.counts[k]!++ === 0) this.touched.push(k);
      return;
    }
    // First sight of this word: the run is pure ASCII, so toLowerCase only maps A-Z.
    const word = upper ? line.slice(start, end).toLowerCase() : line.slice(start, end);
    const k = this.words.length;
    this.words.push(word);
    this.counts.push(1);
    this.touched.push(k);
    this.insert(h, k);
    if (2 * this.words.length > this.mask) this.grow();
  }

  private insert(h: number, k: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = h & mask;
    while (slots[2 * s + 1] !== 0) s = (s + 1) & mask;
    slots[2 * s] = h;
    slots[2 * s + 1] = k + 1;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = 2 * this.mask + 1;
    this.slots = new Int32Array(2 * (this.mask + 1));
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.insert(old[s]!, old[s + 1]! - 1);
  }
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
