import { CLUSTER_CONFIG_DEFAULTS, parseClusterConfig, type ClusterConfig } from '../../config/cluster-config.js';
import { NAME_RULE, isValidName } from '../../coord/names.js';
import { ConfigError } from '../../errors.js';
import { CliUsageError } from '../usage-error.js';

/** Value checks of the cluster flags that are more than a range: ports, znode paths, names. */

/** Most ports one supervisor may offer (a typo such as 6700-67000 should not make 60k slots). */
export const MAX_PORTS = 1024;

/** `6700-6703`, `6700`, or a comma list of those: distinct ports in the order given. */
export function parsePorts(text: string, hint: string): number[] {
  const out: number[] = [];
  const bad = (why: string): never => {
    throw new CliUsageError('GALE_ERR_USAGE', `--ports ${JSON.stringify(text)}: ${why}; want a-b (e.g. 6700-6703) or a list a,b,c`, hint);
  };
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(part);
    if (m === null) return bad(`"${part}" is not a port or a range`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to > 65535) bad('ports must be 1-65535');
    if (to < from) bad(`range ${from}-${to} is backwards`);
    for (let p = from; p <= to; p++) {
      if (out.includes(p)) bad(`port ${p} is listed twice`);
      out.push(p);
      if (out.length > MAX_PORTS) bad(`more than ${MAX_PORTS} ports`);
    }
  }
  return out;
}

/** `component=n` entries (n >= 1); range against numTasks is checked against the deployed topology. */
export function parseParallelism(entries: readonly string[], hint: string): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const e of entries) {
    const m = /^([^=]+)=(.*)$/.exec(e);
    const n = m === null ? NaN : Number(m[2]!.trim());
    if (m === null || m[1]!.trim() === '' || !Number.isInteger(n) || n < 1) {
      throw new CliUsageError('GALE_ERR_USAGE', `--parallelism ${JSON.stringify(e)} is not <component>=<executors> with executors >= 1`, hint);
    }
    out[m[1]!.trim()] = n;
  }
  return { ...out };
}

/**
 * `--cluster-set key=value` entries → the cluster config (config/cluster-config.ts) over its
 * defaults (undefined when none is given): integers, or `null` where a key allows it. Checked by
 * `parseClusterConfig` (unknown keys get a did-you-mean) and reported as a usage error.
 */
export function parseClusterSets(entries: readonly string[], hint: string): ClusterConfig | undefined {
  if (entries.length === 0) return undefined;
  const raw: Record<string, unknown> = {};
  for (const e of entries) {
    const m = /^([^=]+)=(.*)$/.exec(e);
    if (m === null || m[1]!.trim() === '') throw new CliUsageError('GALE_ERR_USAGE', `--cluster-set ${JSON.stringify(e)} is not <key>=<value>`, hint);
    const text = m[2]!.trim();
    // Text that is not a number stays text, so the range check quotes what was typed.
    raw[m[1]!.trim()] = text === 'null' ? null : text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  }
  try {
    return parseClusterConfig(raw, CLUSTER_CONFIG_DEFAULTS, ' (--cluster-set)');
  } catch (err) {
    if (err instanceof ConfigError) throw new CliUsageError('GALE_ERR_USAGE', err.message, hint);
    throw err;
  }
}

/** host:port[,host:port...] */
export function checkConnectString(zk: string, origin: string): void {
  const ok = zk.split(',').every((hp) => {
    const m = /^([^\s:,]+|\[[0-9a-fA-F:.]+\]):(\d{1,5})$/.exec(hp);
    return m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535;
  });
  if (!ok) throw new CliUsageError('GALE_ERR_USAGE', `${origin} ${JSON.stringify(zk)} is not a ZooKeeper connect string host:port[,host:port...]`);
}

/** An absolute znode path such as /gale. */
export function checkRootFlag(root: string, hint: string): void {
  const segments = root.replace(/\/+$/, '').split('/').slice(1);
  if (!root.startsWith('/') || segments.length === 0 || segments.some((s) => !isValidName(s))) {
    throw new CliUsageError('GALE_ERR_USAGE', `--zk-root ${JSON.stringify(root)} must be an absolute znode path such as /gale`, hint);
  }
}

/** A topology name usable as a znode name. */
export function checkTopologyName(name: string, origin: string, hint: string): void {
  if (!isValidName(name)) {
    throw new CliUsageError('GALE_ERR_USAGE', `${origin} "${name}" is not a valid topology name: use ${NAME_RULE}`, hint);
  }
}
