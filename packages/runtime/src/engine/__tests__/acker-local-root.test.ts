import { ByRoot } from '../acker.js';
import { nextRootId, SeededIds } from '../ids.js';
import { rootHome } from '../../root-slots.js';

describe('ByRoot.localRoot (a spout picks roots whose acker runs in its worker)', () => {
  const ackers = [7, 8, 9];
  const chooser = new ByRoot(ackers);

  it('moves a root to the nearest local acker, keeping everything but root mod ackers', () => {
    const ids = new SeededIds(3);
    for (let i = 0; i < 1000; i++) {
      const root = nextRootId(ids);
      const local = chooser.localRoot(root, (t) => t === 9);
      expect(chooser.chooseOne([local])).toBe(9);
      expect(Number.isSafeInteger(local) && local >= 0).toBe(true);
      expect(Math.abs(local - root)).toBeLessThan(ackers.length);
      // the same tree reaches the same acker from any worker: a function of the root alone
      expect(chooser.chooseOne([local])).toBe(ackers[local % ackers.length]);
    }
  });

  it('keeps the root when its acker is local, or when no acker is', () => {
    expect(chooser.localRoot(30, (t) => t === 7)).toBe(30); // 30 mod 3 = 0: task 7
    expect(chooser.localRoot(31, () => false)).toBe(31);
    expect(chooser.localRoot(31, () => true)).toBe(31);
  });

  it('stays a safe integer at the top of the range', () => {
    const max = Number.MAX_SAFE_INTEGER; // 2^53 - 1, mod 3 = 1 (task 8)
    const local = chooser.localRoot(max, (t) => t === 9);
    expect(local).toBeLessThanOrEqual(max);
    expect(chooser.chooseOne([local])).toBe(9);
    expect(chooser.localRoot(max, (t) => t === 7)).toBe(max - 1);
  });
});

describe('rootHome', () => {
  it('uses every slot when all roots share their low bit (2 ackers, roots of one worker)', () => {
    const ids = new SeededIds(5);
    const two = new ByRoot([0, 1]);
    const mask = 1023;
    const homes = new Set<number>();
    for (let i = 0; i < 20_000; i++) homes.add(rootHome(two.localRoot(nextRootId(ids), (t) => t === 1), mask));
    // a product's low bit is the root's: without folding the high half in, only the odd slots
    expect(homes.size).toBe(mask + 1);
  });
});
