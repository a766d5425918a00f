/**
 * One hand-written validator per record type of records.ts: JSON value in, typed record out, or
 * GALE_ERR_ZK_BAD_DATA naming the znode and the field. Records are returned as read (unknown extra
 * fields are kept, so a newer writer's additions survive a compare-and-set by an older reader).
 */
import { parseTopologyConfig } from '../config/topology-config.js';
import type { ComponentStats } from '../api/stats.js';
import { isValidName } from './names.js';
import {
  TOPOLOGY_STATUSES, WORKER_STATES, type Assignment, type SupervisorInfo, type TopologyRecord, type WorkerAssignment,
  type WorkerHeartbeat, type EpochCounter,
} from './records.js';
import { Fields, badData } from './znode-data.js';

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_PORT = 65535;

function name(f: Fields, key: string): string {
  const v = f.str(key);
  if (!isValidName(v)) f.fail(key, 'a valid name (1-200 characters from [A-Za-z0-9._-])');
  return v;
}

function sha(f: Fields, key: string): string {
  const v = f.str(key);
  if (!SHA256.test(v)) f.fail(key, '64 lowercase hex digits (sha256)');
  return v;
}

/** The record must describe the znode it is stored in. */
function sameName(path: string, expected: string | undefined, actual: string, key: string): void {
  if (expected !== undefined && actual !== expected) throw badData(path, `"${key}" is "${actual}" but the znode is for "${expected}"`);
}

export function validateTopologyRecord(path: string, value: unknown, expectedName?: string): TopologyRecord {
  const f = Fields.of(path, value);
  const n = name(f, 'name');
  sameName(path, expectedName, n, 'name');
  sha(f, 'codeSha256');
  f.str('source', false);
  f.stringMap('params');
  f.oneOf('status', TOPOLOGY_STATUSES);
  f.intMap('parallelism', 1);
  f.intMap('numTasks', 1);
  f.int('workers', 1);
  f.int('deployedAt');
  if (f.raw.edges !== undefined) {
    for (const e of f.objs('edges')) {
      e.str('from');
      e.str('stream');
      e.str('to');
      e.str('grouping');
      if (e.raw.fields !== undefined) e.strings('fields');
    }
  }
  try {
    // Same rules as at deploy: a record no deploy could have written is bad data.
    parseTopologyConfig(f.obj('config').raw);
  } catch (err) {
    if ((err as { code?: string }).code === 'GALE_ERR_ZK_BAD_DATA') throw err;
    throw badData(path, `"config": ${(err as Error).message}`);
  }
  return value as TopologyRecord;
}

function validateWorkerAssignment(f: Fields): WorkerAssignment {
  name(f, 'supervisor');
  f.str('host');
  f.int('port', 1, MAX_PORT);
  f.strings('executors');
  return f.raw as unknown as WorkerAssignment;
}

export function validateAssignment(path: string, value: unknown, expectedTopology?: string): Assignment {
  const f = Fields.of(path, value);
  sameName(path, expectedTopology, name(f, 'topology'), 'topology');
  f.int('version', 0);
  sha(f, 'codeSha256');
  f.intMap('parallelism', 1);
  for (const w of f.objs('workers')) validateWorkerAssignment(w);
  return value as Assignment;
}

export function validateSupervisorInfo(path: string, value: unknown, expectedId?: string): SupervisorInfo {
  const f = Fields.of(path, value);
  sameName(path, expectedId, name(f, 'id'), 'id');
  f.str('host');
  f.ints('ports', 1, MAX_PORT);
  f.int('pid', 0);
  f.str('version', false);
  f.int('startedAt');
  if (f.raw.logsPort !== undefined) f.int('logsPort', 1, MAX_PORT);
  return value as SupervisorInfo;
}

const STAT_COUNTERS = [
  'executors', 'tasks', 'emitted', 'transferred', 'executed', 'acked', 'failed', 'timedOut', 'deadLettered', 'replayed', 'errors', 'executeThrew', 'ticks',
  'queueDepth', 'queueHighWater', 'queueCapacity', 'pending', 'sinceCompletionMs',
] as const;

function validateStats(f: Fields): ComponentStats {
  f.str('component');
  f.oneOf('kind', ['spout', 'bolt', 'acker', 'checkpoint'] as const);
  // Counters a worker of an older version did not send are read as 0 by the stats merge.
  for (const k of STAT_COUNTERS) if (f.raw[k] !== undefined) f.num(k);
  for (const k of ['executeLatencyMs', 'completeLatencyMs']) {
    if (f.raw[k] === undefined) continue;
    const l = f.obj(k);
    l.num('p50');
    l.num('p99');
    l.num('mean');
  }
  return f.raw as unknown as ComponentStats;
}

export function validateWorkerHeartbeat(path: string, value: unknown, expected?: { topology: string; supervisor: string; port: number }): WorkerHeartbeat {
  const f = Fields.of(path, value);
  const topology = name(f, 'topology');
  const supervisor = name(f, 'supervisor');
  f.str('host');
  const port = f.int('port', 1, MAX_PORT);
  if (expected !== undefined) {
    sameName(path, expected.topology, topology, 'topology');
    sameName(path, `${expected.supervisor}-${expected.port}`, `${supervisor}-${port}`, 'supervisor-port');
  }
  f.int('pid', 0);
  f.int('assignmentVersion', 0);
  f.oneOf('state', WORKER_STATES);
  f.int('time');
  if (f.raw.epoch !== undefined) f.int('epoch', 1);
  f.strings('executors');
  for (const s of f.objs('stats')) validateStats(s);
  if (f.raw.process !== undefined) {
    const p = f.obj('process');
    for (const k of ['rssBytes', 'heapUsedBytes', 'cpuSeconds', 'cpuPercent', 'gcMs', 'gcCount']) p.num(k);
    const d = p.obj('eventLoopDelayMs');
    for (const k of ['p50', 'p99', 'max']) d.num(k);
  }
  if (f.raw.transport !== undefined) {
    const t = f.obj('transport');
    t.num('reconnects');
    t.num('rejectedFrames');
  }
  return value as WorkerHeartbeat;
}

export function validateEpochCounter(path: string, value: unknown, expectedTopology?: string): EpochCounter {
  const f = Fields.of(path, value);
  sameName(path, expectedTopology, name(f, 'topology'), 'topology');
  f.int('last', 0);
  return value as EpochCounter;
}
