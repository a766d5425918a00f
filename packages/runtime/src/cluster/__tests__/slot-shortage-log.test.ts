import pino from 'pino';
import { Writable } from 'node:stream';
import type { Slot } from '../scheduler.js';
import { SlotShortageLog } from '../slot-shortage-log.js';

interface Line { level: number; msg: string; waiting?: string[]; short?: string[]; freeSlots?: number }

function capture(): { log: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done): void {
      for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const slot = (supervisor: string, port: number): Slot => ({ supervisor, host: 'h', port });

describe('the leader\'s "no free worker slot" line', () => {
  it('is written once per change of the waiting set or the free slots, not every period', () => {
    const { log, lines } = capture();
    const shortage = new SlotShortageLog(log);
    // Two topologies waiting through 100 leader periods: one line.
    for (let i = 0; i < 100; i++) shortage.report([{ topology: 'b', assigned: 0, wanted: 1 }, { topology: 'a', assigned: 0, wanted: 2 }], []);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'leader: no free worker slot', waiting: ['a', 'b'], short: [], freeSlots: 0 });
    // The same set reported in another order is no change.
    shortage.report([{ topology: 'a', assigned: 0, wanted: 2 }, { topology: 'b', assigned: 0, wanted: 1 }], []);
    expect(lines).toHaveLength(1);
    // A slot frees and 'a' gets one of its two workers: one new line, then quiet again.
    for (let i = 0; i < 50; i++) shortage.report([{ topology: 'a', assigned: 1, wanted: 2 }, { topology: 'b', assigned: 0, wanted: 1 }], []);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ waiting: ['b'], short: ['a 1/2'] });
    // A free slot appearing (not usable yet) is a change too.
    shortage.report([{ topology: 'a', assigned: 1, wanted: 2 }, { topology: 'b', assigned: 0, wanted: 1 }], [slot('s2', 6700)]);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ freeSlots: 1 });
    // Everyone served: one recovery line, then nothing.
    for (let i = 0; i < 10; i++) shortage.report([], [slot('s2', 6701)]);
    expect(lines.map((l) => l.msg)).toEqual([
      'leader: no free worker slot', 'leader: no free worker slot', 'leader: no free worker slot', 'leader: every topology has its workers',
    ]);
    // Short again later: written again.
    shortage.report([{ topology: 'c', assigned: 0, wanted: 1 }], []);
    expect(lines).toHaveLength(5);
  });

  it('says nothing while no topology is short', () => {
    const { log, lines } = capture();
    const shortage = new SlotShortageLog(log);
    for (let i = 0; i < 10; i++) shortage.report([], [slot('s1', 6700)]);
    expect(lines).toHaveLength(0);
  });
});
