// A bolt that stops (drain, rebalance) fails the inputs it held with FAILED_STOPPED, which the
// spout replays without charging maxRetries. At the acker, that reason must not hide a real
// failure of the same tree that came before its init did, nor replace one.
import type { OutputCollector, Tuple } from '@gale/runtime';
import { ACK_FAIL_STREAM, ACK_INIT_STREAM, AckerBolt } from '../acker.js';
import { TreeOutcome } from '../tree-outcome.js';

function acker(): { bolt: AckerBolt; outcomes: [number, unknown][] } {
  const outcomes: [number, unknown][] = [];
  const bolt = new AckerBolt();
  const collector = { emitDirect: (_task: number, values: unknown[]) => { outcomes.push([values[0] as number, values[1]]); } };
  bolt.prepare({}, collector as unknown as OutputCollector);
  return { bolt, outcomes };
}

const msg = (stream: string, values: unknown[]): Tuple => ({ isTick: () => false, values, sourceStreamId: stream, sourceTask: 7 }) as unknown as Tuple;

describe('the acker and a failure by a stopping bolt', () => {
  it.each([
    ['stopped alone', [TreeOutcome.FAILED_STOPPED], TreeOutcome.FAILED_STOPPED],
    ['stopped, then a plain failure', [TreeOutcome.FAILED_STOPPED, TreeOutcome.FAILED], TreeOutcome.FAILED],
    ['a plain failure, then stopped', [TreeOutcome.FAILED, TreeOutcome.FAILED_STOPPED], TreeOutcome.FAILED],
    ['too large, then stopped', [TreeOutcome.FAILED_TOO_LARGE, TreeOutcome.FAILED_STOPPED], TreeOutcome.FAILED_TOO_LARGE],
    ['stopped, then too large', [TreeOutcome.FAILED_STOPPED, TreeOutcome.FAILED_TOO_LARGE], TreeOutcome.FAILED_TOO_LARGE],
  ] as [string, number[], number][])('%s, before the init: the spout is told the one that counts', (_name, fails, told) => {
    const { bolt, outcomes } = acker();
    for (const f of fails) bolt.execute(msg(ACK_FAIL_STREAM, [5, f]));
    expect(outcomes).toEqual([]);
    bolt.execute(msg(ACK_INIT_STREAM, [5, 3, 4]));
    expect(outcomes).toEqual([[5, told]]);
  });

  it('after the init, the first failure settles the tree with its reason', () => {
    const { bolt, outcomes } = acker();
    bolt.execute(msg(ACK_INIT_STREAM, [5, 3, 4]));
    bolt.execute(msg(ACK_FAIL_STREAM, [5, TreeOutcome.FAILED_STOPPED]));
    expect(outcomes).toEqual([[5, TreeOutcome.FAILED_STOPPED]]);
  });
});
