import { AckLedger, NOT_DONE } from '../ack-ledger.js';
import { SeededIds } from '../ids.js';

describe('AckLedger (Storm XOR acking)', () => {
  it('completes a tree exactly when every edge id has been XORed in twice', () => {
    const ids = new SeededIds(7);
    const l = new AckLedger(2);
    const root = 42;
    // spout emits to two tasks: edges e1, e2
    const e1 = [ids.next32(), ids.next32()] as const;
    const e2 = [ids.next32(), ids.next32()] as const;
    expect(l.init(root, e1[0] ^ e2[0], e1[1] ^ e2[1], 3).spoutTask).toBe(NOT_DONE);
    // bolt acks e1 having emitted e3 anchored
    const e3 = [ids.next32(), ids.next32()] as const;
    expect(l.ack(root, e1[0] ^ e3[0], e1[1] ^ e3[1]).spoutTask).toBe(NOT_DONE);
    expect(l.ack(root, e2[0], e2[1]).spoutTask).toBe(NOT_DONE);
    const done = l.ack(root, e3[0], e3[1]);
    expect(done.spoutTask).toBe(3);
    expect(done.failed).toBe(false);
    expect(l.size).toBe(0);
  });

  it('handles acks that arrive before the init', () => {
    const l = new AckLedger();
    expect(l.ack(9, 5, 6).spoutTask).toBe(NOT_DONE);
    const o = l.init(9, 5, 6, 1);
    expect(o.spoutTask).toBe(1);
    expect(l.size).toBe(0);
  });

  it('fails the whole tree at once, even before init', () => {
    const l = new AckLedger();
    l.init(1, 11, 12, 4);
    const o = l.fail(1);
    expect(o).toEqual({ spoutTask: 4, failed: true });
    expect(l.fail(2).spoutTask).toBe(NOT_DONE);
    expect(l.init(2, 1, 1, 5)).toEqual({ spoutTask: 5, failed: true });
  });

  // A tree that ran wholly inline reaches the ledger as one init of value 0 (the spout's init with
  // every ack of the tree merged into it, transfer.ts mergeInit), completed without a slot. Only when
  // nothing is known of the root: a fail or an ack that came first must still count.
  it('completes a zero init at once, but not over a fail or an ack that came first', () => {
    const l = new AckLedger();
    expect(l.init(1, 0, 0, 4)).toEqual({ spoutTask: 4, failed: false });
    expect(l.size).toBe(0);
    expect(l.fail(2).spoutTask).toBe(NOT_DONE);
    expect(l.init(2, 0, 0, 5)).toEqual({ spoutTask: 5, failed: true });
    expect(l.ack(3, 7, 8).spoutTask).toBe(NOT_DONE);
    expect(l.init(3, 0, 0, 6).spoutTask).toBe(NOT_DONE); // an edge acked here is still owed by the init's side
    expect(l.ack(3, 7, 8)).toEqual({ spoutTask: 6, failed: false });
    expect(l.size).toBe(0);
  });

  it('drops untouched entries after the keep window and grows past its initial slots', () => {
    const l = new AckLedger(1);
    for (let r = 0; r < 100; r++) l.init(r, 1, 1, 0);
    expect(l.size).toBe(100);
    expect(l.rotate(2)).toBe(0);
    l.touch(5);
    expect(l.rotate(2)).toBe(0);
    expect(l.rotate(2)).toBe(99);
    expect(l.size).toBe(1);
    expect(l.rotate(2)).toBe(1);
  });

  it('agrees with a plain Map model under random init/ack/fail/forget with colliding ids', () => {
    const ids = new SeededIds(99);
    const l = new AckLedger(4);
    const model = new Map<number, { hi: number; lo: number; owner: number; init: boolean; failed: boolean }>();
    for (let step = 0; step < 50_000; step++) {
      // Few distinct roots, many of them sharing low 32 bits, to stress probing and deletion.
      const root = (ids.next32() & 7) * 4294967296 + ((ids.next32() & 63) >>> 0);
      const op = ids.next32() & 3;
      const hi = ids.next32();
      const lo = ids.next32();
      const m = model.get(root) ?? { hi: 0, lo: 0, owner: -1, init: false, failed: false };
      let got;
      if (op === 0) {
        got = l.init(root, hi, lo, 5);
        m.hi ^= hi; m.lo ^= lo; m.owner = 5; m.init = true;
      } else if (op === 1) {
        got = l.ack(root, hi, lo);
        m.hi ^= hi; m.lo ^= lo;
      } else if (op === 2) {
        got = l.fail(root);
        m.failed = true;
      } else {
        l.forget(root);
        model.delete(root);
        expect(l.ownerOf(root)).toBe(NOT_DONE);
        continue;
      }
      const done = m.init && (m.failed || (m.hi | m.lo) === 0);
      expect(got.spoutTask).toBe(done ? 5 : NOT_DONE);
      if (done) {
        expect(got.failed).toBe(m.failed);
        model.delete(root);
      } else model.set(root, m);
      expect(l.size).toBe(model.size);
    }
  });
});
