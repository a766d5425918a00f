// A shell bolt's subprocess that exits, writes invalid JSON, breaks the protocol or hangs: each
// gives an error naming the component, the task and the offending line; the tuples it had are
// failed and replayed; the subprocess is restarted (with backoff) and the topology completes.
import { rmSync } from 'node:fs';
import { FixedTupleSpout, LocalCluster, ShellBolt, ShellSpout, TopologyBuilder, type ReportedError } from '@gale/runtime';
import { python, received, Recorder, tempDir } from './shell-fixtures.js';

const LINES = ['ok1', 'exit', 'ok2', 'badjson', 'violation', 'error', 'hang', 'stderr', 'ok3'];

describe('shell bolt failures', () => {
  let markers: string;
  beforeEach(() => {
    markers = tempDir();
  });
  afterEach(() => {
    rmSync(markers, { recursive: true, force: true });
  });

  it('reports exit, bad JSON, protocol violation and hang, replays the tuples, restarts the subprocess', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout(LINES.map((l) => [l]), ['line']));
    b.setBolt('faulty', new ShellBolt({ ...python('test_bolt.py', ['faulty'], { GALE_TEST_MARKERS: markers }), outputs: { default: ['line'] } }))
      .shuffleGrouping('lines');
    b.setBolt('sink', new Recorder('failures-sink')).shuffleGrouping('faulty');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'ml-failures', config: { shellHeartbeatTimeoutMs: 1500, maxSpoutPending: 1 } }));
      expect(await t.waitUntilDone(120_000)).toBe(true);
      // Every line made it through in the end, despite four dead subprocesses.
      expect(new Set(received('failures-sink').map((r) => r.values[0]))).toEqual(new Set(LINES));
      const spout = t.stats().find((s) => s.component === 'lines')!;
      expect(spout.acked).toBe(LINES.length);
      expect(spout.failed).toBeGreaterThanOrEqual(4);

      const errors = t.errors('faulty');
      const task = errors[0]!.task;
      const who = `shell bolt "faulty" task ${task} (python3 -u test_bolt.py faulty)`;
      const messages = errors.map((e: ReportedError) => e.message);
      expect(messages).toEqual(expect.arrayContaining([
        `${who} exited with code 3`,
        `${who} wrote invalid JSON: "this is not json"`,
        `${who} broke the protocol: unknown command "bogus"; offending message: "{\\"command\\":\\"bogus\\"}"`,
        `${who} reported: reported by python`,
        expect.stringMatching(new RegExp(`^${who.replace(/[().]/g, '\\$&')}, pid \\d+, owed an answer and sent nothing for \\d+ ms \\(shellHeartbeatTimeoutMs 1500\\); killed it$`)),
      ]));
      expect(errors.every((e) => e.component === 'faulty' && e.task === task)).toBe(true);
    } finally {
      await cluster.shutdown(0);
    }
  }, 150_000);
});

describe('shell spout failures', () => {
  it('reports a spout subprocess that exits and restarts it; the new one emits again', async () => {
    const markers = tempDir();
    const b = new TopologyBuilder();
    b.setSpout('numbers', new ShellSpout({ ...python('test_spout.py', ['10'], { GALE_TEST_MARKERS: markers }), outputs: { default: ['n'], ids: ['n', 'tasks'] } }));
    b.setBolt('sink', new Recorder('spout-restart-sink')).shuffleGrouping('numbers');
    const cluster = new LocalCluster();
    try {
      const t = await cluster.submit(b.build({ name: 'ml-spout-exit' }));
      // The first subprocess emitted 1..4 and died asking for 5; the second starts over at 1.
      expect(await t.waitUntil(() => new Set(received('spout-restart-sink').map((r) => r.values[0])).size === 10, 100_000)).toBe(true);
      const errors = t.errors('numbers');
      expect(errors.map((e) => e.message)).toEqual([
        expect.stringMatching(/^shell spout "numbers" task \d+ \(python3 -u test_spout\.py 10\) exited with code 4$/),
      ]);
    } finally {
      await cluster.shutdown(0);
      rmSync(markers, { recursive: true, force: true });
    }
  }, 150_000);
});

describe('shell components: bad input', () => {
  it('refuses a missing command when the component is declared, in one line', () => {
    expect(() => new ShellBolt({ command: '' })).toThrow(/^ShellBolt needs a "command" \(the program to run, e.g\. "python3"\), got ""$/);
    expect(() => new ShellSpout({ command: undefined as unknown as string })).toThrow(expect.objectContaining({ code: 'GALE_ERR_SHELL_COMMAND' }));
  });

  it('fails the start with one line when the program does not exist', async () => {
    const b = new TopologyBuilder();
    b.setSpout('lines', new FixedTupleSpout([['a']], ['line']));
    b.setBolt('ghost', new ShellBolt({ command: 'no-such-program-gale', args: ['x.py'] })).shuffleGrouping('lines');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 'ml-ghost' }))).rejects.toThrow(
        /^bolt "ghost" \(task \d+\) failed in prepare\(\): shell bolt "ghost" task \d+ \(no-such-program-gale x\.py\): cannot run "no-such-program-gale": no such command or directory$/);
    } finally {
      await cluster.shutdown(0);
    }
  });

  it('fails the start with one line when the subprocess never sends its pid', async () => {
    const b = new TopologyBuilder();
    b.setSpout('mute', new ShellSpout({ command: 'python3', args: ['-c', 'import time; time.sleep(60)'], outputs: { default: ['x'] } }));
    b.setBolt('sink', new Recorder('mute-sink')).shuffleGrouping('mute');
    const cluster = new LocalCluster();
    try {
      await expect(cluster.submit(b.build({ name: 'ml-mute', config: { shellHeartbeatTimeoutMs: 500 } }))).rejects.toThrow(
        /^spout "mute" \(task \d+\) failed in open\(\): shell spout "mute" task \d+ \(python3 -c import time; time\.sleep\(60\)\) sent no pid within 10000 ms of the handshake; a multilang program must answer \{"pid": <pid>\} first$/);
    } finally {
      await cluster.shutdown(0);
    }
  }, 30_000);
});
