// What a supervisor keeps under <dir>/crash-counts/ for a topology (crash counts, crash journals:
// cluster/crash-store.ts, cluster/crash-journal-file.ts) goes when the topology is killed, so a
// later deploy of the same name starts clean; the files of other topologies stay, those of topologies
// with no record go (the supervisor's sweep, cluster/crash-files.ts). The topology
// SIGKILLs its worker on one id with the crash watch off (crashWatchMs 0): its `__worker` error
// must not claim that the next launch records what it executes.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crashFileTopology } from '../../packages/runtime/src/cluster/crash-files.js';
import { TestCluster, until, type StatusJson } from './cluster-harness.js';

const NAME = 'crash-files';

describe('crash files of a killed topology', () => {
  let cluster: TestCluster;
  let dir: string;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 1, slotsPerSupervisor: 1 });
    dir = mkdtempSync(path.join(os.tmpdir(), 'gale-crash-files-'));
  });

  afterAll(async () => {
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('with crashWatchMs 0 a signal death says nothing is recorded; gale kill removes the topology\'s crash files, not those of live ones', async () => {
    const sup = cluster.supervisors[0]!;
    const crashDir = path.join(cluster.tmp, sup.id, 'crash-counts');
    // The files of a topology with no record (swept), and the per-topology file of older versions of this one.
    mkdirSync(crashDir, { recursive: true });
    writeFileSync(path.join(crashDir, 'other@6700.journal'), 'clean\n');
    writeFileSync(path.join(crashDir, 'other.json'), '{}');
    writeFileSync(path.join(crashDir, `${NAME}.json`), '{}');
    writeFileSync(path.join(crashDir, `${NAME}@1.json.4242.tmp`), '{'); // a save cut short
    const d = await cluster.gale([
      'deploy', 'test/cluster/fixtures/poison-exit.ts', '--name', NAME, '--wait', '0', '--set', `dir=${dir}`, '--set', 'count=20',
      '--set', 'poison=7', '--set', 'mode=sigkill', '-c', 'crashWatchMs=0',
    ]);
    expect(d.code).toBe(0);
    const journal = path.join(crashDir, `${NAME}@${sup.ports[0]!}.journal`);
    const killed = await until('a __worker error of a SIGKILL', async () => {
      const st = await cluster.json<StatusJson>(['status', NAME]);
      return (st.errors.__worker ?? []).find((e) => /was killed by SIGKILL/.test(e.message));
    }, 60_000, 250);
    expect(killed.message).toMatch(/no exit handler ran; crashWatchMs is 0, so its next launch records nothing/);
    expect(killed.message).not.toMatch(/records what it executes/);
    await until('the slot\'s journal written', async () => existsSync(journal), 30_000, 100);

    // Two live topologies with names like this one's (deployed while the one slot is taken, so they
    // wait; one runs once it is free), and their files: they stay.
    for (const live of [`${NAME}2`, `${NAME}.x`]) {
      const r = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', live, '--workers', '1', '--wait', '0', '--set', 'rate=5']);
      expect(r.code).toBe(0);
    }
    writeFileSync(path.join(crashDir, `${NAME}2@6700.json`), '{}');
    writeFileSync(path.join(crashDir, `${NAME}.x.json`), '{}');

    expect((await cluster.gale(['kill', NAME, '--wait', '0'])).code).toBe(0);
    const left = await until('the killed topology\'s crash files removed', async () => {
      const names = readdirSync(crashDir);
      return names.some((n) => crashFileTopology(n) === NAME || crashFileTopology(n) === 'other') ? undefined : names;
    }, 30_000, 100);
    expect(left).toEqual(expect.arrayContaining([`${NAME}2@6700.json`, `${NAME}.x.json`]));
    // Besides, only what a worker of a live one wrote since.
    expect(left.filter((n) => ![`${NAME}2`, `${NAME}.x`].includes(crashFileTopology(n) ?? ''))).toEqual([]);
  }, 120_000);
});

// A topology whose worker moved to another supervisor leaves its crash files behind on the first:
// the slot that left kept them (the topology was still active). When it is killed no slot of the
// first supervisor leaves it, so the sweep there runs on the records watch (the record goes).
describe('crash files left on a supervisor the topology moved away from', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await TestCluster.start({ supervisors: 2, slotsPerSupervisor: 1 });
  });

  afterAll(async () => {
    await cluster?.close();
  });

  it('stay while the topology is active elsewhere and go when it is killed', async () => {
    const name = 'moved-away';
    const d = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', name, '--workers', '1', '--wait', '0', '--set', 'rate=5']);
    expect(d.code).toBe(0);
    const st = await until('the worker running', async () => {
      const s = await cluster.json<StatusJson>(['status', name]);
      return s.workerProcesses.length === 1 ? s : undefined;
    }, 60_000, 250);
    const away = cluster.supervisors.find((s) => s.id !== st.workerProcesses[0]!.supervisor)!;
    const crashDir = path.join(cluster.tmp, away.id, 'crash-counts');
    mkdirSync(crashDir, { recursive: true });
    // What the slot here left when the topology moved, and the files of a topology with no record:
    // their going shows a sweep ran (a deploy changes the set of records, which the sweep watches).
    const left = [`${name}@${away.ports[0]!}.json`, `${name}@${away.ports[0]!}.journal`];
    for (const f of left) writeFileSync(path.join(crashDir, f), f.endsWith('.json') ? '{}' : 'clean\n');
    writeFileSync(path.join(crashDir, 'ghost@1.json'), '{}');
    const other = await cluster.gale(['deploy', 'test/cluster/fixtures/generator.ts', '--name', 'bystander', '--workers', '1', '--wait', '0', '--set', 'rate=5']);
    expect(other.code).toBe(0);
    await until('the no-record topology\'s file swept', async () => !existsSync(path.join(crashDir, 'ghost@1.json')), 60_000, 100);
    expect(readdirSync(crashDir)).toEqual(expect.arrayContaining(left)); // still active: kept

    expect((await cluster.gale(['kill', name, '--wait', '0'])).code).toBe(0);
    await until('the moved topology\'s files swept once it is killed', async () => readdirSync(crashDir).every((n) => crashFileTopology(n) !== name), 60_000, 100);
  }, 150_000);
});
