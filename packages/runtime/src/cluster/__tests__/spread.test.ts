import { TOPOLOGY_CONFIG_DEFAULTS } from '../../config/topology-config.js';
import type { Assignment, SupervisorInfo, TopologyRecord } from '../model.js';
import { scheduleTopology } from '../scheduler.js';
import { planSpread, RegistrationAges, type SpreadInput } from '../spread.js';

const sup = (id: string, ports: number[], startedAt = 0, pid = 1): SupervisorInfo => ({ id, host: `h-${id}`, ports, pid, version: 'test', startedAt });
const record = (name: string, workers: number): TopologyRecord => ({
  name, codeSha256: 'abc', source: `${name}.ts`, params: {}, config: TOPOLOGY_CONFIG_DEFAULTS, status: 'active',
  parallelism: { s: 1, b: 2, __acker: 1 }, numTasks: { s: 1, b: 2, __acker: 1 }, workers, deployedAt: 0,
});
const on = (topology: string, ...slots: [string, number][]): Assignment => ({
  topology, version: 3, codeSha256: 'abc', parallelism: {}, workers: slots.map(([supervisor, port], i) => ({ supervisor, host: `h-${supervisor}`, port, executors: [`e#${i}`] })),
});
const place = (a: Assignment): string[] => a.workers.map((w) => `${w.supervisor}:${w.port}`).sort();
const input = (assignments: Assignment[], supervisors: SupervisorInfo[], over: Partial<SpreadInput> = {}): SpreadInput => ({
  assignments, supervisors, eligible: new Set(supervisors.map((s) => s.id)), movable: new Set(assignments.map((a) => a.topology)), maxMoves: 10, ...over,
});

describe('spreading workers after a supervisor joins', () => {
  it('moves one of two workers to the supervisor that joined (the whole-cluster restart case), keeping its executors', () => {
    // Placement before the join: only s1 was there, so it got both workers.
    const before = scheduleTopology(record('t', 2), undefined, [sup('s1', [1, 2])], [])!;
    expect(place(before)).toEqual(['s1:1', 's1:2']);
    // After the join the even scheduler keeps the valid assignment as it is...
    const sups = [sup('s1', [1, 2]), sup('s2', [1, 2])];
    expect(scheduleTopology(record('t', 2), before, sups, [])).toBe(before);
    // ...and the spread moves one worker.
    const plan = planSpread(input([before], sups));
    expect(plan.moves).toEqual([{ topology: 't', from: { supervisor: 's1', port: 1 }, to: { supervisor: 's2', port: 1 } }]);
    const after = plan.assignments[0]!;
    expect(after.version).toBe(before.version + 1);
    expect(place(after)).toEqual(['s1:2', 's2:1']);
    expect(after.workers.find((w) => w.supervisor === 's2')).toEqual({ ...before.workers[0]!, supervisor: 's2', host: 'h-s2', port: 1 });
    expect(after.workers.flatMap((w) => w.executors).sort()).toEqual(before.workers.flatMap((w) => w.executors).sort());
    // And the even scheduler keeps the result (nothing moves back).
    expect(scheduleTopology(record('t', 2), after, sups, [])).toBe(after);
    expect(planSpread(input([after], sups)).moves).toEqual([]);
  });

  it('moves nothing when the spread is already even', () => {
    const sups = [sup('s1', [1, 2, 3]), sup('s2', [1, 2, 3]), sup('s3', [1, 2, 3])];
    expect(planSpread(input([on('a', ['s1', 1], ['s2', 1]), on('b', ['s3', 1], ['s1', 2]), on('c', ['s2', 2])], sups))).toEqual({ moves: [], assignments: [] });
    // Uneven by one is even enough: 2 workers on 3 supervisors, 3 on 2.
    expect(planSpread(input([on('a', ['s1', 1], ['s2', 1])], sups)).moves).toEqual([]);
    expect(planSpread(input([on('a', ['s1', 1], ['s1', 2], ['s2', 1])], sups.slice(0, 2))).moves).toEqual([]);
    expect(planSpread(input([], sups)).moves).toEqual([]);
  });

  it('waits for the cool-down: no move to a supervisor that is not eligible yet', () => {
    const sups = [sup('s1', [1, 2]), sup('s2', [1, 2])];
    const a = on('t', ['s1', 1], ['s1', 2]);
    expect(planSpread(input([a], sups, { eligible: new Set(['s1']) })).moves).toEqual([]);
    expect(planSpread(input([a], sups, { eligible: new Set(['s1', 's2']) })).moves).toHaveLength(1);
  });

  it('bounds the moves per run, and only moves topologies that are movable (settled)', () => {
    const sups = [sup('s1', [1, 2, 3, 4, 5, 6]), sup('s2', [1, 2, 3]), sup('s3', [1, 2, 3])];
    const a = on('a', ['s1', 1], ['s1', 2], ['s1', 3]);
    const b = on('b', ['s1', 4], ['s1', 5], ['s1', 6]);
    const one = planSpread(input([a, b], sups, { maxMoves: 1 }));
    expect(one.moves).toHaveLength(1);
    expect(one.moves[0]!.topology).toBe('a'); // deploy order breaks the tie
    const all = planSpread(input([a, b], sups, { maxMoves: 100 }));
    expect(all.moves).toHaveLength(4); // 6 workers over 3 supervisors: 2 each, each topology 1 per supervisor
    for (const x of all.assignments) expect(new Set(x.workers.map((w) => w.supervisor)).size).toBe(3);
    expect(all.assignments.map((x) => x.version)).toEqual([4, 4]); // one version step per topology, however many moves
    const onlyB = planSpread(input([a, b], sups, { maxMoves: 100, movable: new Set(['b']) }));
    expect(new Set(onlyB.moves.map((m) => m.topology))).toEqual(new Set(['b']));
    expect(planSpread(input([a, b], sups, { maxMoves: 0 })).moves).toEqual([]);
  });

  it("never takes another topology's slot, and leaves a supervisor with no free slot alone", () => {
    const sups = [sup('s1', [1, 2]), sup('s2', [1])];
    const full = planSpread(input([on('a', ['s1', 1], ['s1', 2]), on('x', ['s2', 1])], sups, { movable: new Set(['a']) }));
    expect(full.moves).toEqual([]);
    const plan = planSpread(input([on('a', ['s1', 1], ['s1', 2]), on('x', ['s2', 1])], [sup('s1', [1, 2]), sup('s2', [1, 2])], { movable: new Set(['a']) }));
    expect(plan.moves).toEqual([{ topology: 'a', from: { supervisor: 's1', port: 1 }, to: { supervisor: 's2', port: 2 } }]);
  });

  it("spreads each topology's own workers even when the supervisors' totals are level", () => {
    const sups = [sup('s1', [1, 2, 3]), sup('s2', [1, 2, 3])];
    const plan = planSpread(input([on('a', ['s1', 1], ['s1', 2]), on('b', ['s2', 1], ['s2', 2])], sups));
    expect(plan.moves).toHaveLength(2);
    for (const x of plan.assignments) expect(new Set(x.workers.map((w) => w.supervisor))).toEqual(new Set(['s1', 's2']));
  });
});

describe('registration ages (the cool-down)', () => {
  it('makes a supervisor eligible once registered for the cool-down without a break', () => {
    const ages = new RegistrationAges();
    expect(ages.observe([sup('s1', [1])], 0, 1000)).toEqual(new Set());
    expect(ages.observe([sup('s1', [1]), sup('s2', [1])], 999, 1000)).toEqual(new Set());
    expect(ages.observe([sup('s1', [1]), sup('s2', [1])], 1000, 1000)).toEqual(new Set(['s1']));
    expect(ages.observe([sup('s1', [1]), sup('s2', [1])], 1999, 1000)).toEqual(new Set(['s1', 's2']));
    expect(new RegistrationAges().observe([sup('s1', [1])], 5, 0)).toEqual(new Set(['s1']));
  });

  it('starts a flapping supervisor over: gone once, or registered anew (new pid or start time)', () => {
    const ages = new RegistrationAges();
    ages.observe([sup('s1', [1]), sup('s2', [1])], 0, 1000);
    ages.observe([sup('s1', [1])], 500, 1000); // s2 gone
    expect(ages.observe([sup('s1', [1]), sup('s2', [1])], 1200, 1000)).toEqual(new Set(['s1']));
    expect(ages.observe([sup('s1', [1]), sup('s2', [1])], 2200, 1000)).toEqual(new Set(['s1', 's2']));
    // Re-registered between two observations (the leader never saw it gone): a new registration time.
    expect(ages.observe([sup('s1', [1]), sup('s2', [1], 777)], 2300, 1000)).toEqual(new Set(['s1']));
    expect(ages.observe([sup('s1', [1], 0, 2), sup('s2', [1], 777)], 3300, 1000)).toEqual(new Set(['s2']));
  });
});

describe('placing new work', () => {
  it('starts on the least loaded supervisors, so the spread needs no move afterwards', () => {
    const sups = [sup('s1', [1, 2]), sup('s2', [1, 2])];
    const first = scheduleTopology(record('a', 1), undefined, sups, [])!;
    expect(place(first)).toEqual(['s1:1']);
    const second = scheduleTopology(record('b', 1), undefined, sups, [first])!;
    expect(place(second)).toEqual(['s2:1']); // by id alone it would have been s1:2
    expect(planSpread(input([first, second], sups)).moves).toEqual([]);
  });
});
