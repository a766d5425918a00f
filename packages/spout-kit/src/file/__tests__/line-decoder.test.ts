import { LineDecoder, type FileLineEncoding } from '../line-decoder.js';

function decode(bytes: Buffer, chunk: number, encoding: FileLineEncoding = 'utf8'): { lines: string[]; offsets: number[] } {
  const d = new LineDecoder(encoding);
  const lines: string[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < bytes.length; i += chunk) d.push(bytes.subarray(i, i + chunk), lines, offsets);
  d.end(lines, offsets);
  return { lines, offsets };
}

/** Reference: split the decoded text; offsets from the bytes of each line. */
function reference(bytes: Buffer): { lines: string[]; offsets: number[] } {
  const lines: string[] = [];
  const offsets: number[] = [];
  let start = 0;
  while (start < bytes.length) {
    let nl = bytes.indexOf(0x0a, start);
    const last = nl < 0;
    if (last) nl = bytes.length;
    let end = nl;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    lines.push(bytes.toString('utf8', start, end));
    offsets.push(start);
    start = nl + 1;
  }
  return { lines, offsets };
}

describe('LineDecoder', () => {
  const text = Buffer.from('alpha\r\n\r\n\nbeta café\n\u{1F600} naïve\r\nmid\rline\n\r\nlast\r', 'utf8');

  it('splits on \\n, strips one \\r before it, keeps empty lines and a last line without newline', () => {
    const { lines, offsets } = decode(text, 1 << 16);
    expect(lines).toEqual(['alpha', '', '', 'beta café', '\u{1F600} naïve', 'mid\rline', '', 'last']);
    expect(offsets).toEqual(reference(text).offsets);
    // Offsets are byte offsets: 'beta café\n' is 11 bytes, so the emoji line starts 11 bytes later.
    expect(offsets[4]! - offsets[3]!).toBe(Buffer.byteLength('beta café\n'));
  });

  it('gives the same lines and offsets for every chunk size, even when a chunk cuts a character or a CRLF', () => {
    const want = decode(text, 1 << 16);
    for (let chunk = 1; chunk <= text.length; chunk++) expect(decode(text, chunk)).toEqual(want);
  });

  it('returns nothing for empty input and no extra line after a final newline', () => {
    expect(decode(Buffer.alloc(0), 4)).toEqual({ lines: [], offsets: [] });
    expect(decode(Buffer.from('a\n'), 4)).toEqual({ lines: ['a'], offsets: [0] });
    expect(decode(Buffer.from('\n'), 4)).toEqual({ lines: [''], offsets: [0] });
    expect(decode(Buffer.from('a'), 4)).toEqual({ lines: ['a'], offsets: [0] });
  });

  it('joins a line spanning many chunks', () => {
    const long = 'x'.repeat(10_000);
    const bytes = Buffer.from(`${long}\n${long}y`);
    expect(decode(bytes, 7)).toEqual({ lines: [long, `${long}y`], offsets: [0, 10_001] });
  });

  it('decodes with the given encoding', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]);
    expect(decode(bytes, 2, 'latin1').lines).toEqual(['café']);
    expect(decode(bytes, 2, 'utf8').lines).toEqual(['caf\uFFFD']);
  });

  it('matches a reference splitter on random byte soup', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const alphabet = [0x0a, 0x0d, 0x61, 0x20, 0xc3, 0xa9, 0xe2, 0x82, 0xac];
    for (let round = 0; round < 50; round++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => alphabet[Math.floor(rand() * alphabet.length)]!));
      const chunk = 1 + Math.floor(rand() * 16);
      expect(decode(bytes, chunk)).toEqual(reference(bytes));
    }
  });
});
