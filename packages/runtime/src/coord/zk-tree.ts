/** Operations on a whole subtree, built from single-znode calls. */
import { ZkError } from './zk-errors.js';

/** The single-znode calls the tree operations need (a ZkClient). */
export interface ZkNodeOps {
  exists(path: string): Promise<unknown>;
  create(path: string): Promise<string>;
  getChildren(path: string): Promise<string[]>;
  remove(path: string): Promise<void>;
}

/** Creates `path` and any missing ancestors; a concurrent creator is not an error. */
export async function mkdirp(zk: ZkNodeOps, path: string): Promise<void> {
  if (path === '/' || (await zk.exists(path))) return;
  const parts = path.split('/').filter(Boolean);
  let current = '';
  for (const part of parts) {
    current += `/${part}`;
    try {
      await zk.create(current);
    } catch (err) {
      if (!isCode(err, 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
    }
  }
}

/** Removes `path` and everything under it; a missing node is not an error. */
export async function removeRecursive(zk: ZkNodeOps, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await removeTree(zk, path);
      return;
    } catch (err) {
      // Someone added a child meanwhile: walk again (a few times; then it is a real conflict).
      if (!isCode(err, 'GALE_ERR_ZK_NOT_EMPTY') || attempt >= 4) throw err;
    }
  }
}

async function removeTree(zk: ZkNodeOps, path: string): Promise<void> {
  let children: string[];
  try {
    children = await zk.getChildren(path);
  } catch (err) {
    if (isCode(err, 'GALE_ERR_ZK_NO_NODE')) return;
    throw err;
  }
  const base = path === '/' ? '' : path;
  await Promise.all(children.map(c => removeTree(zk, `${base}/${c}`)));
  if (path === '/') return;
  try {
    await zk.remove(path);
  } catch (err) {
    if (!isCode(err, 'GALE_ERR_ZK_NO_NODE')) throw err;
  }
}

function isCode(err: unknown, code: string): boolean {
  return err instanceof ZkError && err.code === code;
}
