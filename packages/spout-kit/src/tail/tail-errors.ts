import { GaleError, type GaleErrorOptions } from '@gale/runtime';

/** Conditions of {@link FileTailSpout}; see docs/errors.md. */
export type TailErrorCode =
  /** The directory of the followed file or of the offsets file does not exist (at open). */
  | 'GALE_ERR_TAIL_DIR_NOT_FOUND'
  /** The offsets file is not what the spout writes (bad JSON, missing or negative fields). */
  | 'GALE_ERR_TAIL_OFFSETS_CORRUPT'
  /** The offsets file records another followed path than this spout's. */
  | 'GALE_ERR_TAIL_OFFSETS_MISMATCH'
  /** Writing the offsets file failed (reported while running; retried at the next ack). */
  | 'GALE_ERR_TAIL_OFFSETS_WRITE'
  /** Reading or reopening the followed file failed (reported while running; retried). */
  | 'GALE_ERR_TAIL_READ'
  /** The resume point could not be honoured exactly (file truncated or rotated away while stopped). */
  | 'GALE_ERR_TAIL_RESUME';

/** An error of {@link FileTailSpout}, with the followed path. */
export class TailSpoutError extends GaleError {
  /** The followed file, as given to the spout. */
  readonly path: string;
  constructor(code: TailErrorCode, path: string, message: string, options: GaleErrorOptions = {}) {
    super(code, message, options);
    this.path = path;
  }
}
