import { UsageError } from '../errors.js';

/**
 * A {@link UsageError} raised by the CLI, optionally with a hint line printed under the message
 * (`run "gale local --help" for usage`). Named `UsageError` so it reads the same as the runtime's.
 */
export class CliUsageError extends UsageError {
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(code, message);
    this.name = 'UsageError';
    this.hint = hint;
  }
}

/** The hint line for a command's usage. */
export function helpHint(command?: string): string {
  return `run "gale${command === undefined ? '' : ` ${command}`} --help" for usage`;
}
