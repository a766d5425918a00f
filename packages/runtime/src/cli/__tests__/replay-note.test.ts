import type { ComponentStats } from '../../engine/metrics.js';
import { REPLAY_NOTE_MIN_REPLAYS, replayNote, totalReplayed } from '../replay-note.js';

function stats(component: string, kind: 'spout' | 'bolt', replayed: number): ComponentStats {
  return { component, kind, replayed } as ComponentStats;
}

describe('replayNote: why a --until-idle run with failing tuples does not end', () => {
  const many = REPLAY_NOTE_MIN_REPLAYS;

  it('names the replaying spouts, the count and the fix when maxRetries is unset and replays go on', () => {
    const note = replayNote([stats('numbers', 'spout', many + 2), stats('work', 'bolt', 0), stats('idle', 'spout', 0)], null, 1);
    expect(note).toBe(`gale: note: ${many + 2} failed trees replayed so far (spout "numbers") and maxRetries is not set: a tuple that fails on every attempt is replayed forever, so --until-idle would not end. --set maxRetries=3 dead-letters a message id after 3 replays (docs/acking.md, "Retries and the dead-letter stream")`);
  });

  it('says nothing with maxRetries set, below the threshold, or when replays stopped since the last check', () => {
    expect(replayNote([stats('numbers', 'spout', many + 2)], 3, 0)).toBeUndefined();
    expect(replayNote([stats('numbers', 'spout', many - 1)], null, 0)).toBeUndefined();
    expect(replayNote([stats('numbers', 'spout', many + 2)], null, many + 2)).toBeUndefined();
  });

  it('totalReplayed sums spouts only, reading a missing count as 0', () => {
    expect(totalReplayed([stats('a', 'spout', 2), stats('b', 'spout', 3), stats('c', 'bolt', 9), { component: 'd', kind: 'spout' } as ComponentStats])).toBe(5);
  });
});
