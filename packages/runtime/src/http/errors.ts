import { GaleError } from '../errors.js';

/**
 * A request the HTTP server answers with an error status. The body is
 * `{ "error": { "code": ..., "message": ... } }` (docs/rest-api.md); codes in docs/errors.md.
 */
export class HttpError extends GaleError {
  constructor(readonly status: number, code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}
