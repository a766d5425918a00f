import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ClusterTarget } from '../cluster/admin/index.js';
import { MIN_SECRET_BYTES } from '../transport/index.js';
import { DEFAULT_ZK, checkConnectString, type ClusterFlags } from './cluster-args.js';
import type { CliContext } from './context.js';
import { CliUsageError } from './usage-error.js';

/**
 * Where the cluster commands find their cluster: `--zk`/`--secret-file` and the environment. The
 * session itself and everything done with it live in cluster/admin.
 */
export { ClusterCommandError } from '../cluster/admin/index.js';
export type { ClusterTarget } from '../cluster/admin/index.js';

/** `--zk`, else `$GALE_ZK`, else 127.0.0.1:2181; `--secret-file`, else `$GALE_CLUSTER_SECRET`. */
export function resolveTarget(flags: ClusterFlags, ctx: Pick<CliContext, 'env' | 'cwd'>, command: string): ClusterTarget {
  let connectString = flags.zk;
  if (connectString === undefined) {
    const env = ctx.env.GALE_ZK?.trim();
    connectString = env === undefined || env === '' ? DEFAULT_ZK : env;
    if (env !== undefined && env !== '') checkConnectString(connectString, '$GALE_ZK');
  }
  let secret: string | undefined;
  if (flags.secretFile !== undefined) {
    const file = path.resolve(ctx.cwd, flags.secretFile);
    try {
      secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new CliUsageError('GALE_ERR_SECRET_FILE', `cannot read --secret-file ${flags.secretFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, `run "gale ${command} --help" for usage`);
    }
    if (secret.trim() === '') throw new CliUsageError('GALE_ERR_SECRET_FILE', `--secret-file ${flags.secretFile} is empty`);
  } else {
    const env = ctx.env.GALE_CLUSTER_SECRET;
    secret = env === undefined || env === '' ? undefined : env;
  }
  // Workers authenticate each other with it too (HMAC), which needs at least 16 bytes.
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_SECRET_BYTES) {
    const origin = flags.secretFile !== undefined ? `--secret-file ${flags.secretFile}` : '$GALE_CLUSTER_SECRET';
    throw new CliUsageError('GALE_ERR_SECRET_TOO_SHORT', `the cluster secret (${origin}) must have at least ${MIN_SECRET_BYTES} bytes, got ${Buffer.byteLength(secret)}`);
  }
  return { connectString, root: flags.zkRoot, secret, connectTimeoutMs: flags.connectTimeoutMs };
}
