import { TopologyError } from '@gale/runtime';
import { FILE_LINE_ENCODINGS, type FileLineEncoding } from '../file/line-decoder.js';

/** Options of {@link FileTailSpout}. */
export interface FileTailSpoutOptions {
  /** The log file to follow. It may not exist yet; its directory must. */
  path: string;
  /**
   * The small file keeping the resume point (written atomically). Its directory must exist. Keep
   * it out of the log rotation's glob.
   */
  offsetsPath: string;
  /** Where to begin when there is no offsets file yet: the file's start (default) or its end. */
  startAt?: 'beginning' | 'end';
  /** Name of the single output field (default `line`). */
  field?: string;
  /** How line bytes are decoded (default `utf8`; ASCII-compatible encodings only). */
  encoding?: FileLineEncoding;
  /** Bytes per read (default 64 KiB). */
  chunkBytes?: number;
  /** How often the end of the file is checked for growth and rotation (default 200 ms). */
  pollIntervalMs?: number;
}

export interface FileTailConfig {
  readonly path: string;
  readonly offsetsPath: string;
  readonly startAt: 'beginning' | 'end';
  readonly field: string;
  readonly encoding: FileLineEncoding;
  readonly chunkBytes: number;
  readonly pollIntervalMs: number;
}

export const FILE_TAIL_DEFAULTS = Object.freeze({
  startAt: 'beginning' as const,
  field: 'line',
  encoding: 'utf8' as FileLineEncoding,
  chunkBytes: 64 * 1024,
  pollIntervalMs: 200,
});

const KEYS = new Set(['path', 'offsetsPath', 'startAt', 'field', 'encoding', 'chunkBytes', 'pollIntervalMs']);

function bad(message: string): TopologyError {
  return new TopologyError('GALE_ERR_BAD_OPTION', `FileTailSpout ${message}`);
}

/** Validates the options once, in the constructor. */
export function parseFileTailOptions(o: FileTailSpoutOptions): FileTailConfig {
  if (o === null || typeof o !== 'object') throw bad(`needs an options object, got ${JSON.stringify(o)}`);
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(`has no option "${k}" (options: ${[...KEYS].join(', ')})`);
  for (const key of ['path', 'offsetsPath'] as const) {
    if (typeof o[key] !== 'string' || o[key].length === 0) throw bad(`needs { ${key}: string }, got ${JSON.stringify(o[key])}`);
  }
  if (o.path === o.offsetsPath) throw bad(`offsetsPath must differ from path (${o.path})`);
  const startAt = o.startAt ?? FILE_TAIL_DEFAULTS.startAt;
  if (startAt !== 'beginning' && startAt !== 'end') throw bad(`startAt must be 'beginning' or 'end', got ${JSON.stringify(startAt)}`);
  const encoding = o.encoding ?? FILE_TAIL_DEFAULTS.encoding;
  if (!FILE_LINE_ENCODINGS.includes(encoding)) throw bad(`encoding must be one of ${FILE_LINE_ENCODINGS.join(', ')}, got ${JSON.stringify(encoding)}`);
  const field = o.field ?? FILE_TAIL_DEFAULTS.field;
  if (typeof field !== 'string' || field.length === 0) throw bad(`field must be a non-empty string, got ${JSON.stringify(field)}`);
  const chunkBytes = o.chunkBytes ?? FILE_TAIL_DEFAULTS.chunkBytes;
  if (!Number.isInteger(chunkBytes) || chunkBytes < 1) throw bad(`chunkBytes must be an integer >= 1, got ${JSON.stringify(chunkBytes)}`);
  const pollIntervalMs = o.pollIntervalMs ?? FILE_TAIL_DEFAULTS.pollIntervalMs;
  if (!Number.isInteger(pollIntervalMs) || pollIntervalMs < 1) throw bad(`pollIntervalMs must be an integer >= 1, got ${JSON.stringify(pollIntervalMs)}`);
  return Object.freeze({ path: o.path, offsetsPath: o.offsetsPath, startAt, field, encoding, chunkBytes, pollIntervalMs });
}
