// Every record read from ZooKeeper is parsed and checked at the boundary: malformed JSON, wrong
// types and missing fields give GALE_ERR_ZK_BAD_DATA naming the znode and the field.
import { TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import type { Assignment, SupervisorInfo, TopologyRecord, WorkerHeartbeat } from '../records.js';
import {
  validateAssignment, validateSupervisorInfo, validateTopologyRecord, validateWorkerHeartbeat,
} from '../record-validators.js';
import { ZkError } from '../zk-errors.js';
import { decodeJson } from '../znode-data.js';

const sha = 'b'.repeat(64);
const P = '/gale/topologies/wc';

const record: TopologyRecord = {
  name: 'wc', codeSha256: sha, source: 'wc.ts', params: { input: 'x' }, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
  parallelism: { split: 2, __acker: 1 }, numTasks: { split: 4, __acker: 1 }, workers: 1, deployedAt: 1_700_000_000_000,
};
const assignment: Assignment = {
  topology: 'wc', version: 3, codeSha256: sha, parallelism: { split: 2 },
  workers: [{ supervisor: 'sup-1', host: 'h', port: 6700, executors: ['split#0', 'split#1'] }],
};
const supervisor: SupervisorInfo = { id: 'sup-1', host: 'h', ports: [6700, 6701], pid: 42, version: '0.1.0', startedAt: 1 };
const beat: WorkerHeartbeat = {
  topology: 'wc', supervisor: 'sup-1', host: 'h', port: 6700, pid: 7, assignmentVersion: 3, state: 'running', time: 5,
  executors: ['split#0'],
  stats: [{
    component: 'split', kind: 'bolt', executors: 1, tasks: 2, emitted: 1, transferred: 0, executed: 1, acked: 1, failed: 0,
    timedOut: 0, deadLettered: 0, errors: 0, queueDepth: 0, queueHighWater: 0, queueCapacity: 10, pending: 0,
    executeLatencyMs: { p50: 1, p99: 2, mean: 1 }, completeLatencyMs: { p50: 0, p99: 0, mean: 0 },
  }],
};

function badData(fn: () => unknown): ZkError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkError);
    expect((err as ZkError).code).toBe('GALE_ERR_ZK_BAD_DATA');
    return err as ZkError;
  }
  throw new Error('expected GALE_ERR_ZK_BAD_DATA');
}

function without<T extends object>(o: T, key: keyof T): unknown {
  const copy: Record<string, unknown> = { ...(o as Record<string, unknown>) };
  delete copy[key as string];
  return copy;
}

describe('znode records are validated at the boundary', () => {
  test('valid records pass unchanged', () => {
    expect(validateTopologyRecord(P, record, 'wc')).toBe(record);
    expect(validateAssignment('/gale/assignments/wc', assignment, 'wc')).toBe(assignment);
    expect(validateSupervisorInfo('/gale/supervisors/sup-1', supervisor, 'sup-1')).toBe(supervisor);
    expect(validateWorkerHeartbeat('/gale/workers/wc/sup-1-6700', beat, { topology: 'wc', supervisor: 'sup-1', port: 6700 })).toBe(beat);
    // JSON round trip, as read from a znode.
    expect(validateTopologyRecord(P, decodeJson(P, Buffer.from(JSON.stringify(record))), 'wc')).toEqual(record);
  });

  test('malformed JSON and empty znodes name the path', () => {
    const e = badData(() => decodeJson(P, Buffer.from('{"name": "wc", ')));
    expect(e.message).toMatch(/^znode \/gale\/topologies\/wc holds bad data: not JSON/);
    expect(e.path).toBe(P);
    expect(badData(() => decodeJson(P, Buffer.alloc(0))).message).toBe('znode /gale/topologies/wc holds bad data: it is empty');
    expect(badData(() => validateTopologyRecord(P, [1, 2], 'wc')).message).toBe('znode /gale/topologies/wc holds bad data: want a JSON object, got [1,2]');
    expect(badData(() => validateTopologyRecord(P, null, 'wc')).message).toContain('want a JSON object, got null');
  });

  test('wrong types name the field and the value', () => {
    expect(badData(() => validateTopologyRecord(P, { ...record, status: 'paused' }, 'wc')).message)
      .toBe('znode /gale/topologies/wc holds bad data: "status" must be one of active, inactive, killed, got "paused"');
    expect(badData(() => validateTopologyRecord(P, { ...record, workers: '2' }, 'wc')).message).toContain('"workers" must be an integer from 1');
    expect(badData(() => validateTopologyRecord(P, { ...record, parallelism: { split: 0 } }, 'wc')).message).toContain('"parallelism" must be an object of names to integers >= 1');
    expect(badData(() => validateTopologyRecord(P, { ...record, codeSha256: 'abc' }, 'wc')).message).toContain('"codeSha256" must be 64 lowercase hex digits');
    expect(badData(() => validateAssignment('/gale/assignments/wc', { ...assignment, workers: [{ ...assignment.workers[0], port: 70000 }] }, 'wc')).message)
      .toBe('znode /gale/assignments/wc holds bad data: "workers[0].port" must be an integer from 1 to 65535, got 70000');
    expect(badData(() => validateSupervisorInfo('/gale/supervisors/sup-1', { ...supervisor, ports: ['6700'] }, 'sup-1')).message)
      .toContain('"ports" must be an array of integers from 1 to 65535');
    expect(badData(() => validateWorkerHeartbeat('/w', { ...beat, stats: [{ ...beat.stats[0], kind: 'sink' }] })).message)
      .toContain('"stats[0].kind" must be one of spout, bolt, acker, checkpoint, got "sink"');
    expect(badData(() => validateWorkerHeartbeat('/w', { ...beat, stats: [{ ...beat.stats[0], executeLatencyMs: { p50: 'x' } }] })).message)
      .toContain('"stats[0].executeLatencyMs.p50" must be a number');
  });

  test('missing fields are named', () => {
    expect(badData(() => validateTopologyRecord(P, without(record, 'source'), 'wc')).message).toContain('"source" must be a string, got nothing');
    expect(badData(() => validateTopologyRecord(P, without(record, 'config'), 'wc')).message).toContain('"config" must be an object');
    expect(badData(() => validateAssignment('/a', without(assignment, 'version'))).message).toContain('"version" must be an integer');
    expect(badData(() => validateSupervisorInfo('/s', without(supervisor, 'host'))).message).toContain('"host" must be a non-empty string');
    expect(badData(() => validateWorkerHeartbeat('/w', without(beat, 'state'))).message).toContain('"state" must be one of starting, running');
  });

  test('the topology config inside a record follows the config rules', () => {
    const e = badData(() => validateTopologyRecord(P, { ...record, config: { ...record.config, queueCapacity: -1 } }, 'wc'));
    expect(e.message).toMatch(/^znode \/gale\/topologies\/wc holds bad data: "config": config key "queueCapacity" must be/);
    expect(badData(() => validateTopologyRecord(P, { ...record, config: { ...record.config, bogus: 1 } }, 'wc')).message).toContain('unknown config key "bogus"');
  });

  test('a record must describe the znode it is stored in', () => {
    expect(badData(() => validateTopologyRecord(P, { ...record, name: 'other' }, 'wc')).message)
      .toBe('znode /gale/topologies/wc holds bad data: "name" is "other" but the znode is for "wc"');
    expect(badData(() => validateWorkerHeartbeat('/w', beat, { topology: 'wc', supervisor: 'sup-1', port: 6701 })).message)
      .toContain('"supervisor-port" is "sup-1-6700" but the znode is for "sup-1-6701"');
    expect(badData(() => validateTopologyRecord(P, { ...record, name: '../x' })).message).toContain('"name" must be a valid name');
  });
});
