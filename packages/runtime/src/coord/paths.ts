/**
 * The znode layout under a cluster root (default `/gale`); see docs/zookeeper.md. Pure functions:
 * every name is validated so a topology or component id can never escape its directory.
 *
 * ```
 * <root>/supervisors/<id>                         ephemeral: host, ports, slots, version
 * <root>/leader/n_<seq>                           election (ephemeral-sequential)
 * <root>/topologies/<name>                        spec, status, version
 * <root>/code/<sha256>                            {chunks, size, sha256}; children <index> = gzip chunks
 * <root>/assignments/<name>                       executor -> supervisor/slot/port, assignment version
 * <root>/workers/<topology>/<supervisor>-<port>   ephemeral heartbeats + stats
 * <root>/errors/<topology>/<component>            last 10 errors (JSON array)
 * <root>/epochs/<topology>                        launch-epoch counter of the topology's workers
 * <root>/backpressure/<topology>
 * <root>/secret                                   digest-protected probe node (when a secret is set)
 * ```
 */
import { NAME_RULE, isValidName } from './names.js';
import { ZkError } from './zk-errors.js';

export const DEFAULT_ZK_ROOT = '/gale';

const SHA256 = /^[0-9a-f]{64}$/;

/** A single path segment: `[A-Za-z0-9._-]`, 1-200 chars, not `.` or `..`. */
export function checkName(kind: string, name: string): string {
  if (!isValidName(name)) {
    throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad ${kind} "${String(name)}": use ${NAME_RULE}`);
  }
  return name;
}

/** Normalises and validates a root: absolute, no trailing slash, valid segments. */
export function checkRoot(root: string): string {
  if (typeof root !== 'string' || !root.startsWith('/') || root === '/') {
    throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad ZooKeeper root "${String(root)}": want an absolute path such as /gale`);
  }
  const segments = root.replace(/\/+$/, '').split('/').slice(1);
  for (const s of segments) checkName('ZooKeeper root segment', s);
  return `/${segments.join('/')}`;
}

function checkSha(sha256: string): string {
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad code id "${String(sha256)}": want 64 lowercase hex digits (sha256)`);
  }
  return sha256;
}

function checkIndex(i: number): number {
  if (!Number.isSafeInteger(i) || i < 0) throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad chunk index ${i}`);
  return i;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad port ${port}`);
  return port;
}

export interface ZkPaths {
  readonly root: string;
  supervisorsDir(): string;
  supervisor(id: string): string;
  leaderDir(): string;
  topologiesDir(): string;
  topology(name: string): string;
  codeDir(): string;
  code(sha256: string): string;
  codeChunk(sha256: string, index: number): string;
  assignmentsDir(): string;
  assignment(topology: string): string;
  workersDir(topology: string): string;
  worker(topology: string, supervisor: string, port: number): string;
  errorsDir(topology: string): string;
  componentErrors(topology: string, component: string): string;
  backpressure(topology: string): string;
  epochsDir(): string;
  epochCounter(topology: string): string;
  secret(): string;
  /** The persistent directories a cluster needs (for mkdirp at start). */
  baseDirs(): string[];
}

/** The layout under `root` (default `/gale`). */
export function zkPaths(root: string = DEFAULT_ZK_ROOT): ZkPaths {
  const r = checkRoot(root);
  return Object.freeze({
    root: r,
    supervisorsDir: () => `${r}/supervisors`,
    supervisor: (id: string) => `${r}/supervisors/${checkName('supervisor id', id)}`,
    leaderDir: () => `${r}/leader`,
    topologiesDir: () => `${r}/topologies`,
    topology: (name: string) => `${r}/topologies/${checkName('topology name', name)}`,
    codeDir: () => `${r}/code`,
    code: (sha256: string) => `${r}/code/${checkSha(sha256)}`,
    codeChunk: (sha256: string, index: number) => `${r}/code/${checkSha(sha256)}/${checkIndex(index)}`,
    assignmentsDir: () => `${r}/assignments`,
    assignment: (topology: string) => `${r}/assignments/${checkName('topology name', topology)}`,
    workersDir: (topology: string) => `${r}/workers/${checkName('topology name', topology)}`,
    worker: (topology: string, supervisor: string, port: number) =>
      `${r}/workers/${checkName('topology name', topology)}/${checkName('supervisor id', supervisor)}-${checkPort(port)}`,
    errorsDir: (topology: string) => `${r}/errors/${checkName('topology name', topology)}`,
    componentErrors: (topology: string, component: string) =>
      `${r}/errors/${checkName('topology name', topology)}/${checkName('component id', component)}`,
    backpressure: (topology: string) => `${r}/backpressure/${checkName('topology name', topology)}`,
    epochsDir: () => `${r}/epochs`,
    epochCounter: (topology: string) => `${r}/epochs/${checkName('topology name', topology)}`,
    secret: () => `${r}/secret`,
    baseDirs: () => ['supervisors', 'leader', 'topologies', 'code', 'assignments', 'workers', 'errors', 'backpressure'].map(d => `${r}/${d}`),
  });
}

/** Splits a `workers/<topology>/` child name `<supervisor>-<port>` (the supervisor id may contain `-`). */
export function parseWorkerName(name: string): { supervisor: string; port: number } {
  const m = /^(.+)-(\d{1,5})$/.exec(name);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new ZkError('GALE_ERR_ZK_BAD_NAME', `bad worker znode name "${name}": want <supervisor>-<port>`);
  return { supervisor: checkName('supervisor id', m[1]!), port };
}
