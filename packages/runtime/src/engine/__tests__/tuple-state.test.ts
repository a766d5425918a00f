import { HeldTuples } from '../../api/window/held-tuples.js';
import { Fields } from '../../api/fields.js';
import { holdRecord, recordView } from '../held-records.js';
import { anchorDone, checkAnchor } from '../input-checks.js';
import { heldGenOf, heldState, TreeTuple, TUPLE_ACKED, TUPLE_FAILED, TUPLE_PENDING, type StreamRef } from '../tuple.js';

/*
 * A tuple's ack state and the generation of the held-ack table its ack went into share one field
 * (tuple.ts heldState): any state but PENDING and FAILED is acked, and above FAILED it carries the
 * generation (never 0). What reads the state must tell a held ack from a failure.
 */

const REF: StreamRef = { component: 'src', id: 'default', fields: new Fields(['w']), index: 0, control: false };

describe('tuple state', () => {
  it('a held state gives its generation back; the other states give 0', () => {
    for (const gen of [1, 2, 7, 123_456]) {
      expect(heldState(gen)).toBeGreaterThan(TUPLE_FAILED);
      expect(heldGenOf(heldState(gen))).toBe(gen);
    }
    expect([TUPLE_PENDING, TUPLE_ACKED, TUPLE_FAILED].map(heldGenOf)).toEqual([0, 0, 0]);
  });

  it('anchoring to a tuple whose ack is held says it was acked, not failed', () => {
    const t = new TreeTuple(['a'], REF, 1, 0, 5, 1, 2);
    t.state = heldState(3);
    expect(() => checkAnchor(t, 'bolt')).toThrow(/already acked/);
    expect(anchorDone('bolt', heldState(3)).message).toMatch(/already acked/);
    expect(anchorDone('bolt', TUPLE_FAILED).message).toMatch(/already failed/);
  });

  it('a window entry of a tuple whose ack is held records it as acked, without the generation', () => {
    const store = new HeldTuples();
    const t = new TreeTuple(['a'], REF, 1, 0, 5, 1, 2);
    t.state = heldState(9);
    const h = holdRecord(t, store);
    const view = recordView(store, h);
    expect(view.state).toBe(TUPLE_ACKED);
    expect(heldGenOf(view.state)).toBe(0);
  });
});
