/**
 * Adapters to node-zookeeper-client 1.1.3 (pinned: some of this reaches into its internals):
 * mode and ACL conversion, stat and watch-event translation, and a hard stop for a library client.
 */
import zookeeper from 'node-zookeeper-client';
import { ZkError } from './zk-errors.js';
import { MAX_ZNODE_BYTES, type ZkAcl, type ZkCreateMode, type ZkStat, type ZkWatchEvent } from './zk-types.js';

export const MODES: Record<ZkCreateMode, number> = {
  persistent: zookeeper.CreateMode.PERSISTENT,
  ephemeral: zookeeper.CreateMode.EPHEMERAL,
  persistent_sequential: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  ephemeral_sequential: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};

/** The parts of node-zookeeper-client's ConnectionManager we reach into (pinned to 1.1.3). */
export interface ConnectionManagerInternals {
  socket?: { destroy(): void };
  connect(): void;
  onSocketConnected(): void;
}
export function internals(inner: zookeeper.Client): ConnectionManagerInternals {
  return (inner as unknown as { connectionManager: ConnectionManagerInternals }).connectionManager;
}

/** Stops a library client for good without a CLOSE_SESSION: no reconnect, no late socket opening a session. */
export function destroyInner(inner: zookeeper.Client): void {
  const cm = internals(inner);
  cm.connect = () => {};
  cm.onSocketConnected = function (this: ConnectionManagerInternals) {
    this.socket?.destroy();
  };
  cm.socket?.destroy();
}

export function toLibAcl(acl: readonly ZkAcl[]): zookeeper.ACL[] {
  return acl.map(a => new zookeeper.ACL(a.perms, new zookeeper.Id(a.scheme, a.id)));
}

function longMs(b: Buffer | undefined): number {
  return b && b.length === 8 ? Number(b.readBigInt64BE(0)) : 0;
}

export function toStat(s: zookeeper.Stat): ZkStat {
  const owner = s.ephemeralOwner;
  const ephemeral = owner !== undefined && owner.length === 8 && owner.readBigInt64BE(0) !== 0n;
  return {
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    ephemeralOwner: ephemeral ? owner.toString('hex') : undefined,
    ctimeMs: longMs(s.ctime),
    mtimeMs: longMs(s.mtime),
  };
}

export const EVENT_TYPES: Record<number, ZkWatchEvent['type']> = {
  [zookeeper.Event.NODE_CREATED]: 'created',
  [zookeeper.Event.NODE_DELETED]: 'deleted',
  [zookeeper.Event.NODE_DATA_CHANGED]: 'data-changed',
  [zookeeper.Event.NODE_CHILDREN_CHANGED]: 'children-changed',
};

/** Error codes that the library makes up locally rather than receiving from the server. */
const LOCAL_CODES = new Set([zookeeper.Exception.CONNECTION_LOSS, zookeeper.Exception.SESSION_EXPIRED, zookeeper.Exception.AUTH_FAILED]);
export function isServerAnswer(err: unknown): boolean {
  if (!err) return true;
  const code = typeof (err as { getCode?: unknown }).getCode === 'function' ? (err as { getCode(): number }).getCode() : undefined;
  return code !== undefined && !LOCAL_CODES.has(code);
}

export function checkSize(op: string, path: string, data: Buffer | undefined): void {
  if (data && data.length > MAX_ZNODE_BYTES) {
    throw new ZkError('GALE_ERR_ZK_TOO_LARGE', `${op} ${path}: ${data.length} bytes is over the ${MAX_ZNODE_BYTES}-byte znode limit`, { path });
  }
}
