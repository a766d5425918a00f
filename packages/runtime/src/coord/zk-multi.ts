/**
 * gale's multi-op list ↔ node-zookeeper-client's Transaction: the packet-size check, the library
 * transaction (with its version bug undone), and the failing operation's index on error.
 */
import zookeeper from 'node-zookeeper-client';
import { ZkError, toZkError } from './zk-errors.js';
import { MODES, checkSize, toLibAcl } from './zk-lib.js';
import { MAX_ZNODE_BYTES, type ZkAcl, type ZkOp, type ZkOpResult } from './zk-types.js';

/** Throws GALE_ERR_ZK_TOO_LARGE when one znode's data or the whole transaction is over the limit. */
export function checkMultiSize(ops: readonly ZkOp[]): void {
  let total = 0;
  for (const o of ops) {
    if (o.op === 'create' || o.op === 'setData') {
      checkSize(`transaction ${o.op}`, o.path, o.data);
      total += o.data?.length ?? 0;
    }
  }
  if (total > MAX_ZNODE_BYTES) {
    throw new ZkError('GALE_ERR_ZK_TOO_LARGE', `transaction: ${total} bytes of data is over the ${MAX_ZNODE_BYTES}-byte packet limit`);
  }
}

/** Commits `ops` (non-empty) on a library client; `cb` gets a ZkError with `failedOp`, or the results. */
export function runMulti(
  inner: zookeeper.Client,
  ops: readonly ZkOp[],
  defaultAcl: readonly ZkAcl[],
  cb: (err: ZkError | null, results: ZkOpResult[] | undefined) => void,
): void {
  const label = `transaction(${ops.map(o => `${o.op} ${o.path}`).join(', ')})`;
  const tx = inner.transaction();
  for (const o of ops) {
    switch (o.op) {
      case 'check': tx.check(o.path, o.version ?? -1); break;
      case 'create': tx.create(o.path, o.data ?? Buffer.alloc(0), toLibAcl(o.acl ?? defaultAcl), MODES[o.mode ?? 'persistent']); break;
      case 'setData': tx.setData(o.path, o.data, o.version ?? -1); break;
      case 'remove': tx.remove(o.path, o.version ?? -1); break;
    }
  }
  // node-zookeeper-client 1.1.3 does `version = version || -1` in Transaction, turning an
  // expected version 0 into "any version"; put the exact versions back.
  const libOps = (tx as unknown as { ops: Array<{ version?: number }> }).ops;
  ops.forEach((o, i) => {
    if ('version' in o && o.version !== undefined) libOps[i]!.version = o.version;
  });
  tx.commit((err, results: Array<{ type: number; path?: string; stat?: zookeeper.Stat; err?: number }> | undefined) => {
    if (err) {
      const failedOp = results?.findIndex(r => r.err !== undefined && r.err !== 0 && r.err !== zookeeper.Exception.RUNTIME_INCONSISTENCY) ?? -1;
      const at = failedOp >= 0 ? ops[failedOp]! : undefined;
      const e = toZkError(err, at ? `transaction op ${failedOp} (${at.op})` : label, at?.path ?? ops[0]!.path);
      cb(failedOp >= 0 ? new ZkError(e.code, e.message, { path: e.path, zkCode: e.zkCode, retriable: e.retriable, failedOp, cause: err }) : e, undefined);
      return;
    }
    cb(null, ops.map((o, i): ZkOpResult => {
      const r = results?.[i];
      switch (o.op) {
        case 'create': return { op: 'create', path: r?.path ?? o.path };
        case 'setData': return { op: 'setData', version: r?.stat?.version ?? -1 };
        default: return { op: o.op };
      }
    }));
  });
}
