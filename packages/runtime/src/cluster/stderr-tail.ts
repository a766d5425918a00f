/**
 * The last lines a worker wrote to stderr, kept by its supervisor so that a worker that dies
 * (process.exit, an uncaught exception — Node prints its stack there last) leaves its cause in
 * ZooKeeper for `gale status`, not only in the supervisor's local log. Bounded in lines and
 * characters: a record in `errors/` holds at most a few KB.
 */
export const STDERR_TAIL_LINES = 20;
const MAX_LINE_CHARS = 400;
const MAX_TAIL_CHARS = 2500;

export class StderrTail {
  private readonly kept: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = STDERR_TAIL_LINES) {}

  /** Adds a chunk of output (any split: lines are joined across chunks). */
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = (parts.pop() ?? '').slice(-MAX_LINE_CHARS);
    for (const line of parts) this.add(line);
  }

  private add(line: string): void {
    if (line.trim() === '') return;
    this.kept.push(line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…` : line);
    if (this.kept.length > this.maxLines) this.kept.shift();
  }

  /** The newest lines, oldest first, at most MAX_TAIL_CHARS in all (the newest win). */
  lines(): string[] {
    const all = this.partial.trim() === '' ? [...this.kept] : [...this.kept, this.partial].slice(-this.maxLines);
    const out: string[] = [];
    let chars = 0;
    for (let i = all.length - 1; i >= 0; i--) {
      chars += all[i]!.length + 1;
      if (chars > MAX_TAIL_CHARS && out.length > 0) break;
      out.unshift(all[i]!);
    }
    return out;
  }
}
