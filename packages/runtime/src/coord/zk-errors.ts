import { GaleError, type GaleErrorOptions } from '../errors.js';

/**
 * Error codes raised by the ZooKeeper layer. Retriable ones may succeed when tried again (usually
 * after the client reconnects or creates a new session); see docs/zookeeper.md.
 */
export type ZkErrorCode =
  | 'GALE_ERR_ZK_UNREACHABLE'
  | 'GALE_ERR_ZK_CONNECTION_LOSS'
  | 'GALE_ERR_ZK_TIMEOUT'
  | 'GALE_ERR_ZK_SESSION_EXPIRED'
  | 'GALE_ERR_ZK_CLOSED'
  | 'GALE_ERR_ZK_NO_NODE'
  | 'GALE_ERR_ZK_NODE_EXISTS'
  | 'GALE_ERR_ZK_BAD_VERSION'
  | 'GALE_ERR_ZK_NOT_EMPTY'
  | 'GALE_ERR_ZK_NO_AUTH'
  | 'GALE_ERR_ZK_AUTH_FAILED'
  | 'GALE_ERR_ZK_NO_CHILDREN_FOR_EPHEMERALS'
  | 'GALE_ERR_ZK_BAD_ARGUMENT'
  | 'GALE_ERR_ZK_BAD_NAME'
  | 'GALE_ERR_ZK_TOO_LARGE'
  | 'GALE_ERR_ZK_NOT_LEADER'
  | 'GALE_ERR_ZK_CONFLICT'
  | 'GALE_ERR_ZK_BAD_DATA'
  | 'GALE_ERR_ZK_SERVER';

export interface ZkErrorOptions extends GaleErrorOptions {
  /** The znode the failed operation was about, when there is one. */
  path?: string;
  /** node-zookeeper-client / ZooKeeper error code (e.g. -101 NO_NODE), when the server answered. */
  zkCode?: number;
  /** For a failed transaction: index of the operation that failed. */
  failedOp?: number;
}

/** A ZooKeeper operation failed, or the coordination layer refused one (fencing, names, sizes). */
export class ZkError extends GaleError {
  declare readonly code: ZkErrorCode;
  readonly path: string | undefined;
  readonly zkCode: number | undefined;
  readonly failedOp: number | undefined;

  constructor(code: ZkErrorCode, message: string, options: ZkErrorOptions = {}) {
    super(code, message, options);
    this.path = options.path;
    this.zkCode = options.zkCode;
    this.failedOp = options.failedOp;
  }
}

/** A code bundle downloaded from ZooKeeper is missing, incomplete or does not hash to its name. */
export class CodeBundleError extends GaleError {
  declare readonly code: 'GALE_ERR_CODE_HASH_MISMATCH' | 'GALE_ERR_CODE_NOT_FOUND' | 'GALE_ERR_CODE_CORRUPT';
}

/** ZooKeeper's numeric error codes (KeeperException.Code) that we map; mirrors node-zookeeper-client's Exception. */
const ZK_CODES: Readonly<Record<number, { name: string; code: ZkErrorCode; retriable: boolean; what: (p: string) => string }>> = {
  [-4]: { name: 'CONNECTION_LOSS', code: 'GALE_ERR_ZK_CONNECTION_LOSS', retriable: true, what: () => 'connection to ZooKeeper lost; the operation may or may not have been applied' },
  [-7]: { name: 'OPERATION_TIMEOUT', code: 'GALE_ERR_ZK_TIMEOUT', retriable: true, what: () => 'ZooKeeper operation timed out' },
  [-101]: { name: 'NO_NODE', code: 'GALE_ERR_ZK_NO_NODE', retriable: false, what: p => `znode ${p} does not exist` },
  [-102]: { name: 'NO_AUTH', code: 'GALE_ERR_ZK_NO_AUTH', retriable: false, what: p => `not authorised for znode ${p} (missing or wrong cluster secret?)` },
  [-103]: { name: 'BAD_VERSION', code: 'GALE_ERR_ZK_BAD_VERSION', retriable: false, what: p => `znode ${p} changed: version does not match` },
  [-108]: { name: 'NO_CHILDREN_FOR_EPHEMERALS', code: 'GALE_ERR_ZK_NO_CHILDREN_FOR_EPHEMERALS', retriable: false, what: p => `cannot create children under ephemeral znode ${p}` },
  [-110]: { name: 'NODE_EXISTS', code: 'GALE_ERR_ZK_NODE_EXISTS', retriable: false, what: p => `znode ${p} already exists` },
  [-111]: { name: 'NOT_EMPTY', code: 'GALE_ERR_ZK_NOT_EMPTY', retriable: false, what: p => `znode ${p} has children` },
  [-112]: { name: 'SESSION_EXPIRED', code: 'GALE_ERR_ZK_SESSION_EXPIRED', retriable: true, what: () => 'ZooKeeper session expired (a new session is being created)' },
  [-114]: { name: 'INVALID_ACL', code: 'GALE_ERR_ZK_BAD_ARGUMENT', retriable: false, what: p => `invalid ACL for znode ${p}` },
  [-115]: { name: 'AUTH_FAILED', code: 'GALE_ERR_ZK_AUTH_FAILED', retriable: false, what: () => 'ZooKeeper rejected the authentication' },
  [-8]: { name: 'BAD_ARGUMENTS', code: 'GALE_ERR_ZK_BAD_ARGUMENT', retriable: false, what: p => `bad arguments for znode ${p}` },
};

/** Turns a node-zookeeper-client Exception (or anything thrown) into a {@link ZkError}. */
export function toZkError(err: unknown, op: string, path: string): ZkError {
  if (err instanceof ZkError) return err;
  const zkCode = typeof (err as { getCode?: unknown })?.getCode === 'function'
    ? (err as { getCode(): number }).getCode()
    : undefined;
  if (zkCode !== undefined) {
    const known = ZK_CODES[zkCode];
    if (known) return new ZkError(known.code, `${op}: ${known.what(path)}`, { path, zkCode, retriable: known.retriable, cause: err });
    return new ZkError('GALE_ERR_ZK_SERVER', `${op} ${path}: ZooKeeper error ${String(err)}`, { path, zkCode, retriable: false, cause: err });
  }
  // Synchronous argument checks in node-zookeeper-client throw AssertionError.
  const message = err instanceof Error ? err.message : String(err);
  return new ZkError('GALE_ERR_ZK_BAD_ARGUMENT', `${op} ${path}: ${message}`, { path, cause: err });
}
