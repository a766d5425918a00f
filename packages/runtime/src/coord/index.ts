// ZooKeeper coordination layer, for the cluster daemons and the CLI (internal; not the public API).
export { ZkClient } from './zk-client.js';
export { ZkTransaction } from './zk-transaction.js';
export { ZK_PERMS, OPEN_ACL, MAX_ZNODE_BYTES, digestAcl } from './zk-types.js';
export type {
  ZkClientOptions, ZkCreateMode, ZkAcl, ZkStat, ZkWatchEvent, ZkWatcher, ZkConnectionState, ZkStateEvent,
  ZkClientEvents, ZkOp, ZkOpResult,
} from './zk-types.js';
export { ZkError, CodeBundleError } from './zk-errors.js';
export type { ZkErrorCode, ZkErrorOptions } from './zk-errors.js';
export { DEFAULT_ZK_ROOT, zkPaths, checkName, checkRoot, parseWorkerName } from './paths.js';
export type { ZkPaths } from './paths.js';
export { LeaderElection, readLeader } from './election.js';
export type { LeaderElectionOptions, ElectionEvents, LeaderInfo } from './election.js';
export { CodeStore, CODE_CHUNK_BYTES, sha256Hex } from './code-store.js';
export type { CodeMeta } from './code-store.js';
export { ErrorsStore, ERRORS_KEPT, storedErrorOf } from './errors-store.js';
export type { StoredError } from './errors-store.js';
export { ensureLayout } from './layout.js';
export { NAME_RULE, isValidName } from './names.js';
export { TOPOLOGY_STATUSES, WORKER_STATES } from './records.js';
export type {
  TopologyStatus, TopologyRecord, WorkerAssignment, Assignment, SupervisorInfo, WorkerState, WorkerHeartbeat, TopologyEdge, Versioned, EpochCounter,
} from './records.js';
export {
  validateTopologyRecord, validateAssignment, validateSupervisorInfo, validateWorkerHeartbeat, validateEpochCounter,
} from './record-validators.js';
export { badData, decodeJson } from './znode-data.js';
export type { ReadAll } from './json-znodes.js';
export { TopologyStore } from './topology-store.js';
export { AssignmentStore } from './assignment-store.js';
export { SupervisorStore } from './supervisor-store.js';
export { WorkerHeartbeatStore } from './heartbeat-store.js';
export { EpochStore } from './epoch-store.js';
