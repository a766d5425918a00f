// Bounded writes to a shell bolt's subprocess: past maxPendingTuples, or with its stdin pipe full,
// execute() returns a promise (the executor then runs nothing else and the bolt's queue holds).
import { Fields, ShellBolt, TOPOLOGY_CONFIG_DEFAULTS, type OutputCollector, type TopologyContext, type Tuple } from '@gale/runtime';

/** Answers the handshake, then never reads stdin again. */
const DEAF = [
  '-c',
  'import os, sys\nwhile sys.stdin.readline().strip() != "end": pass\nsys.stdout.write(\'{"pid": %d}\\nend\\n\' % os.getpid()); sys.stdout.flush()\nimport time; time.sleep(120)',
];

const context: TopologyContext = {
  topologyName: 'flow', thisComponentId: 'deaf', thisTaskId: 1, thisTaskIndex: 0,
  config: { ...TOPOLOGY_CONFIG_DEFAULTS, shellHeartbeatTimeoutMs: 60_000 },
  componentIds: () => ['deaf'], componentTasks: () => [1], componentOutputFields: () => undefined, thisSources: () => [],
};

function collector(failed: Tuple[]): OutputCollector {
  return {
    emit: () => {}, emitStream: () => {}, emitDirect: () => {}, ack: () => {}, resetTimeout: () => {},
    fail: (t) => void failed.push(t), reportError: () => {},
  };
}

function tuple(value: unknown): Tuple {
  return {
    values: [value], fields: new Fields(['v']), sourceComponent: 'src', sourceStreamId: 'default', sourceTask: 2, messageId: '{}',
    getValue: () => value, getValueByField: () => value, getStringByField: () => String(value), getNumberByField: () => Number(value), isTick: () => false,
  };
}

function isPromise(v: unknown): v is Promise<void> {
  return typeof (v as Promise<void> | undefined)?.then === 'function';
}

describe('shell bolt flow control', () => {
  it('holds the tuple past maxPendingTuples, and fails what was pending when it closes', async () => {
    const failed: Tuple[] = [];
    const bolt = new ShellBolt({ command: 'python3', args: DEAF, maxPendingTuples: 5 });
    await bolt.prepare(context, collector(failed));
    try {
      for (let i = 0; i < 5; i++) expect(bolt.execute(tuple(i))).toBeUndefined();
      const sixth = bolt.execute(tuple(5));
      expect(isPromise(sixth)).toBe(true);
      await bolt.cleanup();
      await sixth;
      // The five at the subprocess and the one that waited are failed: their spouts replay them.
      expect(failed.map((t) => t.values[0]).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      await bolt.cleanup();
    }
  }, 30_000);

  it('stops writing while the pipe to the subprocess is full', async () => {
    const failed: Tuple[] = [];
    const bolt = new ShellBolt({ command: 'python3', args: DEAF, maxPendingTuples: 1000 });
    await bolt.prepare(context, collector(failed));
    try {
      const big = 'x'.repeat(1 << 20);
      const r = bolt.execute(tuple(big));
      expect(isPromise(r)).toBe(true);
      await bolt.cleanup();
      await r;
      expect(failed).toHaveLength(1);
    } finally {
      await bolt.cleanup();
    }
  }, 30_000);
});
