// Cluster administration: deploy, rebalance, kill, (de)activate, list, status and stats merging,
// over the typed stores of coord/. The CLI commands are thin wrappers around it; a web UI or REST
// API calls the same functions (nothing here prints or knows about the command line).
export { ClusterCommandError, AdminRequestError } from './errors.js';
export { AdminSession, runningWorkers } from './session.js';
export type { ClusterTarget } from './session.js';
export { pollUntil, sleep } from './poll.js';
export { buildTopologyRecord, componentPlan, deployTopology, executorCount } from './deploy.js';
export type { DeployRequest } from './deploy.js';
export { rebalanceTopology, rebalanceSettled, checkParallelism } from './rebalance.js';
export type { RebalanceRequest, RebalanceResult } from './rebalance.js';
export { killTopology } from './kill.js';
export type { KillProgress } from './kill.js';
export { topologyStatus } from './status.js';
export type { StatusReport, ComponentStatus } from './status.js';
export { stallOf } from './stalled.js';
export type { StallInput, StallReport } from './stalled.js';
export { listTopologies } from './list.js';
export type { ListEntry } from './list.js';
export { mergeStats, placementOf } from './stats.js';
export type { MergedStats } from './stats.js';
export { waitForWorkers, launchErrorLines } from './wait.js';
export type { WaitProgress } from './wait.js';
export { readLogs } from './logs.js';
export type { LogEntry, LogQuery, LogSourceResult, ReadLogsOptions } from './logs.js';
