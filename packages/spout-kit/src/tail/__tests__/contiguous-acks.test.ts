import { ContiguousAcks } from '../contiguous-acks.js';

/** A deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('ContiguousAcks', () => {
  it('reports the end of the acked prefix, whatever the ack order', () => {
    const a = new ContiguousAcks<string>();
    const [s1, s2, s3] = [a.add('x'), a.add('y'), a.add('z')];
    expect(a.ack(s2)).toBeUndefined();
    expect(a.ack(s3)).toBeUndefined();
    expect(a.get(s1)).toBe('x');
    expect(a.get(s2)).toBeUndefined();
    expect(a.ack(s1)).toBe('z');
    expect(a.pending).toBe(0);
    expect(a.ack(s1)).toBeUndefined();
  });

  it('agrees with a plain model over 5,000 random adds and acks', () => {
    const random = rng(7);
    const a = new ContiguousAcks<number>();
    const open: number[] = [];
    const ackedModel = new Set<number>();
    let added = 0;
    let prefix = 0; // model: every seq <= prefix is acked
    for (let i = 0; i < 5_000; i++) {
      if (open.length === 0 || random() < 0.5) {
        const seq = a.add(++added);
        expect(seq).toBe(added);
        open.push(seq);
      } else {
        const seq = open.splice(Math.floor(random() * open.length), 1)[0]!;
        ackedModel.add(seq);
        const before = prefix;
        while (ackedModel.has(prefix + 1)) prefix++;
        const got = a.ack(seq);
        if (got !== (prefix > before ? prefix : undefined)) throw new Error(`step ${i}: ack(${seq}) gave ${got}, model ${prefix}`);
      }
      if (a.pending !== added - prefix) throw new Error(`step ${i}: pending ${a.pending}, model ${added - prefix}`);
    }
  });
});
