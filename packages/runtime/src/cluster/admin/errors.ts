import { GaleError } from '../../errors.js';

/**
 * An admin operation failed for a reason outside the request itself (exit code 1 in the CLI): the
 * topology is unknown or already deployed, workers did not start in time, ... The message says
 * it all, so the CLI prints no stack-trace hint for it.
 */
export class ClusterCommandError extends GaleError {}

/**
 * The request does not fit the deployed topology (an unknown component, more executors than
 * tasks, the acker count): the caller asked for something impossible. The CLI reports it as a
 * usage error (exit code 2); a REST API would answer 400.
 */
export class AdminRequestError extends GaleError {}
