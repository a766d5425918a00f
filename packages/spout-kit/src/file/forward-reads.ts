import type { FileHandle } from 'node:fs/promises';
import type { SpoutOutputCollector } from '@gale/runtime';
import { FileReadError } from '../errors.js';
import type { LineDecoder } from './line-decoder.js';
import { FILE_READ_ATTEMPTS, ReadBackoff } from './read-backoff.js';

/**
 * The part of a FileLineSpout's per-task state that its forward reads fill: the file read in
 * chunks of `chunkBytes`, ahead of demand, into `lines`, which the spout emits from `head` on.
 */
export interface ForwardReadState {
  readonly path: string;
  readonly chunkBytes: number;
  readonly collector: SpoutOutputCollector;
  readonly handle: FileHandle;
  readonly decoder: LineDecoder;
  /** Buffered lines not yet emitted, from `head` on, with their byte offsets. */
  lines: string[];
  offsets: number[];
  head: number;
  /** Next file position to read. */
  readPos: number;
  /** The read in flight, if any; it never rejects. */
  reading: Promise<void> | undefined;
  eof: boolean;
  /** The failed reads at `readPos` (none: undefined); the next read waits for its `dueAt`. */
  readRetry: ReadBackoff | undefined;
  closed: boolean;
}

/**
 * Whether to read ahead now: no read is in flight, less than a chunk is buffered, and no failed
 * read is waiting out its backoff.
 */
export function readAheadDue(s: ForwardReadState): boolean {
  return s.reading === undefined && !s.eof && bufferedBytes(s) < s.chunkBytes && retryDue(s);
}

/**
 * For a spout with nothing buffered: the read in flight, or a new one, or undefined while a
 * failed read waits out its backoff (the executor asks again after its spout wait).
 */
export function readIfDue(s: ForwardReadState): Promise<void> | undefined {
  return s.reading ?? (retryDue(s) ? startRead(s) : undefined);
}

function retryDue(s: ForwardReadState): boolean {
  return s.readRetry === undefined || Date.now() >= s.readRetry.dueAt;
}

/**
 * Starts the next chunk read (the caller checked {@link readAheadDue} or {@link readIfDue} first) and keeps it in `s.reading`, which `nextTuple` and `close` await.
 * Callers that read ahead may leave the promise floating (`void`): `readChunk` reports read
 * errors through the collector instead of rejecting.
 */
export function startRead(s: ForwardReadState): Promise<void> {
  const p = readChunk(s).finally(() => {
    s.reading = undefined;
  });
  s.reading = p;
  return p;
}

/** Bytes of file covered by buffered, not yet emitted lines. */
function bufferedBytes(s: ForwardReadState): number {
  return s.head < s.offsets.length ? s.decoder.offset - s.offsets[s.head]! : 0;
}

async function readChunk(s: ForwardReadState): Promise<void> {
  const buf = Buffer.allocUnsafe(s.chunkBytes);
  let bytesRead: number;
  try {
    ({ bytesRead } = await s.handle.read(buf, 0, buf.length, s.readPos));
  } catch (err) {
    if (s.closed) return;
    const at = `reading ${s.path} at byte ${s.readPos}`;
    const retry = (s.readRetry ??= new ReadBackoff()).failed(Date.now());
    if (retry !== undefined) {
      s.collector.reportError(new FileReadError(s.path, `${at} failed (attempt ${retry.attempt} of ${FILE_READ_ATTEMPTS}; next in ${retry.delayMs} ms): ${(err as Error).message}`, { cause: err, retriable: true }));
    } else {
      s.collector.reportError(new FileReadError(s.path, `${at} failed ${FILE_READ_ATTEMPTS} times; giving up, the rest of the file is not emitted: ${(err as Error).message}`, { cause: err }));
      s.eof = true;
    }
    return;
  }
  if (s.closed) return;
  s.readRetry = undefined;
  if (s.head > 0) {
    // Drop emitted lines so the buffer stays bounded even when reads land before it drains.
    s.lines = s.lines.slice(s.head);
    s.offsets = s.offsets.slice(s.head);
    s.head = 0;
  }
  if (bytesRead === 0) {
    s.decoder.end(s.lines, s.offsets);
    s.eof = true;
    return;
  }
  s.readPos += bytesRead;
  s.decoder.push(buf.subarray(0, bytesRead), s.lines, s.offsets);
}
