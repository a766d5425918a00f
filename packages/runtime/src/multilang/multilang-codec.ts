/**
 * The framing of Storm's multilang protocol: each message is JSON text followed by a line that
 * reads `end`. The JSON may span lines (Storm's readers join the lines before `end` with "\n").
 */

/** The line that ends every message, both ways. */
export const END_LINE = 'end';

/** Largest message (in UTF-16 code units) accepted from a subprocess; a longer one is a protocol violation. */
export const MAX_MESSAGE_CHARS = 16 * 1024 * 1024;

/** One message to a subprocess: its JSON and the `end` line. */
export function encodeMessage(message: unknown): string {
  return `${JSON.stringify(message)}\n${END_LINE}\n`;
}

/** What the reader found in the stream: a parsed message, or text that is not JSON. */
export type ReadResult =
  | { readonly ok: true; readonly value: unknown; readonly text: string }
  | { readonly ok: false; readonly text: string; readonly reason: string };

/**
 * Splits a subprocess's stdout into messages. `push` takes decoded text as it arrives and returns
 * the complete messages in it (a partial message waits for the next chunk).
 */
export class MessageReader {
  private partial = '';
  private lines: string[] = [];
  private size = 0;

  push(chunk: string): ReadResult[] {
    const out: ReadResult[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      let line = this.partial + chunk.slice(start, nl);
      this.partial = '';
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === END_LINE) {
        out.push(this.finish());
        continue;
      }
      this.lines.push(line);
      this.size += line.length + 1;
      if (this.size > MAX_MESSAGE_CHARS) {
        const text = this.lines[0] ?? '';
        this.lines = [];
        this.size = 0;
        out.push({ ok: false, text, reason: `a message longer than ${MAX_MESSAGE_CHARS} characters with no "end" line` });
      }
    }
    this.partial += chunk.slice(start);
    if (this.partial.length > MAX_MESSAGE_CHARS) {
      const text = this.partial;
      this.partial = '';
      out.push({ ok: false, text, reason: `a line longer than ${MAX_MESSAGE_CHARS} characters` });
    }
    return out;
  }

  /** Text received after the last complete message (for an error when the subprocess exits). */
  get pending(): string {
    return [...this.lines, this.partial].join('\n');
  }

  private finish(): ReadResult {
    const text = this.lines.length === 1 ? this.lines[0]! : this.lines.join('\n');
    this.lines = [];
    this.size = 0;
    try {
      return { ok: true, value: JSON.parse(text) as unknown, text };
    } catch {
      return { ok: false, text, reason: 'invalid JSON' };
    }
  }
}
