import { GaleError, type GaleErrorOptions } from '../errors.js';

/**
 * A shell (multilang) component's subprocess failed or broke the protocol. The message names the
 * component, the task, the command and, for a bad message, the offending text; `retriable` says
 * whether restarting the subprocess may help (a missing program will not). A missing or malformed
 * `command` option is a `TopologyError` (`GALE_ERR_SHELL_COMMAND`) raised when the component is declared.
 */
export class ShellError extends GaleError {
  constructor(code: ShellErrorCode, message: string, options: GaleErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The codes of {@link ShellError} (docs/errors.md). */
export type ShellErrorCode =
  | 'GALE_ERR_SHELL_SPAWN'
  | 'GALE_ERR_SHELL_HANDSHAKE'
  | 'GALE_ERR_SHELL_EXIT'
  | 'GALE_ERR_SHELL_HANG'
  | 'GALE_ERR_SHELL_BAD_JSON'
  | 'GALE_ERR_SHELL_PROTOCOL'
  | 'GALE_ERR_SHELL_REPORTED';

/** At most this much of an offending message goes into an error message (one readable line). */
const QUOTE_MAX = 200;

/** `text` as one quoted line, cut to {@link QUOTE_MAX} characters. */
export function quoteLine(text: string): string {
  const one = JSON.stringify(text.length > QUOTE_MAX ? `${text.slice(0, QUOTE_MAX)}…` : text);
  return one;
}
