/** Public shapes of the ZooKeeper layer: modes, ACLs, stats, watch and state events, multi-ops, options. */
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';

export type ZkCreateMode = 'persistent' | 'ephemeral' | 'persistent_sequential' | 'ephemeral_sequential';

/** ZooKeeper permission bits. */
export const ZK_PERMS = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** One ACL entry, e.g. `{ scheme: 'digest', id: 'gale:<base64 sha1>', perms: ZK_PERMS.ALL }`. */
export interface ZkAcl {
  scheme: string;
  id: string;
  perms: number;
}

/** The world-readable, world-writable ACL. Used only when no secret is configured. */
export const OPEN_ACL: readonly ZkAcl[] = Object.freeze([{ scheme: 'world', id: 'anyone', perms: ZK_PERMS.ALL }]);

export interface ZkStat {
  version: number;
  cversion: number;
  aversion: number;
  dataLength: number;
  numChildren: number;
  /** Session id (hex) owning this ephemeral znode; undefined for persistent ones. */
  ephemeralOwner: string | undefined;
  ctimeMs: number;
  mtimeMs: number;
}

export interface ZkWatchEvent {
  type: 'created' | 'deleted' | 'data-changed' | 'children-changed';
  path: string;
}
/** One-shot, as in ZooKeeper. Watches belong to a session: after `reconnected-new-session` re-arm them. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

export type ZkConnectionState = 'connected' | 'disconnected' | 'expired' | 'reconnected-new-session' | 'closed';
export interface ZkStateEvent {
  state: ZkConnectionState;
  /** Hex session id (of the new session for `reconnected-new-session`, of the old one for `expired`). */
  sessionId: string;
}
export interface ZkClientEvents {
  state: ZkStateEvent;
}

export type ZkOp =
  | { op: 'check'; path: string; version?: number }
  | { op: 'create'; path: string; data?: Buffer; mode?: ZkCreateMode; acl?: readonly ZkAcl[] }
  | { op: 'setData'; path: string; data: Buffer; version?: number }
  | { op: 'remove'; path: string; version?: number };

export type ZkOpResult =
  | { op: 'check' }
  | { op: 'create'; path: string }
  | { op: 'setData'; version: number }
  | { op: 'remove' };

export interface ZkClientOptions {
  /** `host:port[,host:port...]` */
  connectString: string;
  /** Requested session timeout; the server clamps it to [2, 20] x tickTime. Default 6000. */
  sessionTimeoutMs?: number;
  /** Deadline for the first connection (and for each attempt at a new session). Default 5000. */
  connectTimeoutMs?: number;
  /** A call with no answer for this long rejects with GALE_ERR_ZK_TIMEOUT. Default 2 x sessionTimeoutMs. */
  opTimeoutMs?: number;
  /** With a secret, every znode is created with a digest ACL for user `gale` (never world-open). */
  auth?: { scheme: 'digest'; secret: string };
  log?: Logger;
}

/** Largest znode payload we send; ZooKeeper's jute.maxbuffer (1 MiB - 1) bounds the whole packet. */
export const MAX_ZNODE_BYTES = 1_000_000;
const DIGEST_USER = 'gale';

/** The auth data a client sends for `secret`: `gale:<secret>` under scheme `digest`. */
export function digestAuth(secret: string): Buffer {
  return Buffer.from(`${DIGEST_USER}:${secret}`);
}

/** `digest:gale:<base64 sha1("gale:" + secret)>`, ZooKeeper's DigestAuthenticationProvider format. */
export function digestAcl(secret: string): ZkAcl[] {
  const hash = createHash('sha1').update(`${DIGEST_USER}:${secret}`).digest('base64');
  return [{ scheme: 'digest', id: `${DIGEST_USER}:${hash}`, perms: ZK_PERMS.ALL }];
}
