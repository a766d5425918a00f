/**
 * Prepares a cluster root and proves this client may use it. With a secret, the root's `secret`
 * znode carries the digest ACL; ZooKeeper keeps a wrongly-authenticated session connected and only
 * answers NO_AUTH, so every daemon reads that znode at start and exits on GALE_ERR_ZK_NO_AUTH.
 */
import type { ZkPaths } from './paths.js';
import type { ZkClient } from './zk-client.js';
import { ZkError } from './zk-errors.js';

export async function ensureLayout(client: ZkClient, paths: ZkPaths): Promise<void> {
  await client.mkdirp(paths.root);
  const secretPath = paths.secret();
  const protectedRoot = await client.exists(secretPath);
  if (protectedRoot) {
    await client.verifyAccess(secretPath);
  } else if (client.acl.some(a => a.scheme === 'digest')) {
    try {
      await client.create(secretPath, Buffer.from(JSON.stringify({ acl: 'digest' })));
    } catch (err) {
      if (!(err instanceof ZkError && err.code === 'GALE_ERR_ZK_NODE_EXISTS')) throw err;
    }
    await client.verifyAccess(secretPath);
  }
  for (const dir of paths.baseDirs()) await client.mkdirp(dir);
}
