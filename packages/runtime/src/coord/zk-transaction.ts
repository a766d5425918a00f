import type { ZkAcl, ZkCreateMode, ZkOp, ZkOpResult } from './zk-types.js';

/** What commits a transaction (a ZkClient); a type of its own so this module does not import the client. */
export interface ZkCommitter {
  commit(ops: readonly ZkOp[]): Promise<ZkOpResult[]>;
}

/** Builder for `ZkClient.commit`: `client.transaction().check(p).setData(q, d, v).commit()`. */
export class ZkTransaction {
  private readonly list: ZkOp[] = [];

  constructor(private readonly client: ZkCommitter) {}

  get ops(): readonly ZkOp[] {
    return this.list;
  }

  /** Fails the transaction unless `path` exists (and, with `version`, is at that version). */
  check(path: string, version?: number): this {
    this.list.push(version === undefined ? { op: 'check', path } : { op: 'check', path, version });
    return this;
  }

  create(path: string, data?: Buffer, mode?: ZkCreateMode, acl?: readonly ZkAcl[]): this {
    this.list.push({ op: 'create', path, ...(data && { data }), ...(mode && { mode }), ...(acl && { acl }) });
    return this;
  }

  setData(path: string, data: Buffer, version?: number): this {
    this.list.push(version === undefined ? { op: 'setData', path, data } : { op: 'setData', path, data, version });
    return this;
  }

  remove(path: string, version?: number): this {
    this.list.push(version === undefined ? { op: 'remove', path } : { op: 'remove', path, version });
    return this;
  }

  commit(): Promise<ZkOpResult[]> {
    return this.client.commit(this.list);
  }
}
