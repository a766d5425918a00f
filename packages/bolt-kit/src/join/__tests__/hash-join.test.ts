import { hashJoin } from '../hash-join.js';
import { addStep, parseSelect, resolveSelect, type JoinPlan } from '../join-spec.js';

type Rec = Record<string, unknown>;

const keyOf = (r: Rec, _stream: string, field: string): unknown => r[field];
const plan = (from: string, key: string): JoinPlan => ({ streams: [from], keys: new Map([[from, key]]), steps: [] });
const inputs = (o: Record<string, Rec[]>): Map<string, Rec[]> => new Map(Object.entries(o));
/** Rows as the ids of their records, '-' for a null. */
const ids = (rows: (Rec | null)[][]): string[] => rows.map((r) => r.map((x) => (x === null ? '-' : String(x.id))).join(' '));

const orders = [{ id: 'o1', user: 1 }, { id: 'o2', user: 2 }, { id: 'o3', user: 9 }];
const users = [{ id: 'u1', uid: 1 }, { id: 'u2', uid: 2 }, { id: 'u3', uid: 3 }];

describe('hash join of one window (pure)', () => {
  it('inner join keeps matching pairs only, in the order of the first input', () => {
    const p = addStep(plan('orders', 'user'), 'inner', 'users', 'uid', 'orders');
    expect(ids(hashJoin(p, inputs({ orders, users }), keyOf))).toEqual(['o1 u1', 'o2 u2']);
  });

  it('left outer join keeps every left row, with null for a missing right side', () => {
    const p = addStep(plan('orders', 'user'), 'left', 'users', 'uid', 'orders');
    expect(ids(hashJoin(p, inputs({ orders, users }), keyOf))).toEqual(['o1 u1', 'o2 u2', 'o3 -']);
    // An input with no tuples in the window: inner gives nothing, left gives the left rows.
    expect(ids(hashJoin(p, inputs({ orders }), keyOf))).toEqual(['o1 -', 'o2 -', 'o3 -']);
    expect(hashJoin(addStep(plan('orders', 'user'), 'inner', 'users', 'uid', 'orders'), inputs({ orders }), keyOf)).toEqual([]);
  });

  it('duplicate keys give the cross product per key', () => {
    const a = [{ id: 'a1', k: 'x' }, { id: 'a2', k: 'x' }, { id: 'a3', k: 'y' }];
    const b = [{ id: 'b1', k: 'x' }, { id: 'b2', k: 'y' }, { id: 'b3', k: 'x' }, { id: 'b4', k: 'x' }];
    const p = addStep(plan('a', 'k'), 'inner', 'b', 'k', 'a');
    expect(ids(hashJoin(p, inputs({ a, b }), keyOf))).toEqual(['a1 b1', 'a1 b3', 'a1 b4', 'a2 b1', 'a2 b3', 'a2 b4', 'a3 b2']);
  });

  it('null or undefined keys match nothing, not even each other (SQL NULL)', () => {
    const a = [{ id: 'a1', k: null }, { id: 'a2' }, { id: 'a3', k: 0 }];
    const b = [{ id: 'b1', k: null }, { id: 'b2' }, { id: 'b3', k: 0 }, { id: 'b4', k: '0' }];
    expect(ids(hashJoin(addStep(plan('a', 'k'), 'inner', 'b', 'k', 'a'), inputs({ a, b }), keyOf))).toEqual(['a3 b3']);
    expect(ids(hashJoin(addStep(plan('a', 'k'), 'left', 'b', 'k', 'a'), inputs({ a, b }), keyOf))).toEqual(['a1 -', 'a2 -', 'a3 b3']);
  });

  it('multi-way: a ⋈ b ⋈ c, c joined to b on another field; a left join then an inner join drops the null rows', () => {
    const a = [{ id: 'a1', k: 1 }, { id: 'a2', k: 2 }, { id: 'a3', k: 3 }];
    const b = [{ id: 'b1', k: 1, j: 'p' }, { id: 'b2', k: 2, j: 'q' }];
    const c = [{ id: 'c1', j: 'p' }, { id: 'c2', j: 'p' }];
    const ab = addStep(plan('a', 'k'), 'inner', 'b', 'k', 'a');
    expect(ids(hashJoin(addStep(ab, 'inner', 'c', 'j', 'b', 'j'), inputs({ a, b, c }), keyOf))).toEqual(['a1 b1 c1', 'a1 b1 c2']);
    expect(ids(hashJoin(addStep(ab, 'left', 'c', 'j', 'b', 'j'), inputs({ a, b, c }), keyOf))).toEqual(['a1 b1 c1', 'a1 b1 c2', 'a2 b2 -']);
    const leftThenInner = addStep(addStep(plan('a', 'k'), 'left', 'b', 'k', 'a'), 'inner', 'c', 'j', 'b', 'j');
    expect(ids(hashJoin(leftThenInner, inputs({ a, b, c }), keyOf))).toEqual(['a1 b1 c1', 'a1 b1 c2']);
    const leftLeft = addStep(addStep(plan('a', 'k'), 'left', 'b', 'k', 'a'), 'left', 'c', 'j', 'b', 'j');
    expect(ids(hashJoin(leftLeft, inputs({ a, b, c }), keyOf))).toEqual(['a1 b1 c1', 'a1 b1 c2', 'a2 b2 -', 'a3 - -']);
  });

  it('a join to the first input uses that input\'s key unless another prior field is given', () => {
    const a = [{ id: 'a1', k: 1, other: 7 }];
    const c = [{ id: 'c1', n: 7 }, { id: 'c2', n: 1 }];
    expect(ids(hashJoin(addStep(plan('a', 'k'), 'inner', 'c', 'n', 'a'), inputs({ a, c }), keyOf))).toEqual(['a1 c2']);
    expect(ids(hashJoin(addStep(plan('a', 'k'), 'inner', 'c', 'n', 'a', 'other'), inputs({ a, c }), keyOf))).toEqual(['a1 c1']);
  });

  it('refuses an input joined twice or joined to an input not joined yet', () => {
    const ab = addStep(plan('a', 'k'), 'inner', 'b', 'k', 'a');
    expect(() => addStep(ab, 'inner', 'b', 'k', 'a')).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_JOIN', message: expect.stringMatching(/joins "b" twice/) }));
    expect(() => addStep(ab, 'inner', 'c', 'k', 'd')).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_JOIN', message: expect.stringMatching(/"d", which is not joined yet \(joined so far: a, b\)/) }));
    expect(() => addStep(ab, 'inner', '', 'k', 'a')).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_JOIN' }));
  });
});

describe('select', () => {
  const p = addStep(addStep(plan('orders', 'user'), 'inner', 'users', 'uid', 'orders'), 'left', 'my.pay', 'order', 'orders', 'id');

  it('parses "stream.field [as name]" and Storm\'s "stream:field"; a component id may contain dots', () => {
    expect(parseSelect(' orders.id, users:name AS user ,my.pay.amount')).toEqual([
      { stream: 'orders', field: 'id' }, { stream: 'users', field: 'name', as: 'user' }, { stream: 'my.pay', field: 'amount' },
    ]);
    expect(resolveSelect(p, parseSelect('orders.id, users.name as user, my.pay.amount')).map((f) => f.as)).toEqual(['id', 'user', 'amount']);
  });

  it('refuses malformed entries, unknown inputs and two fields with one output name', () => {
    for (const bad of ['', 'orders', 'orders.', '.id', 'orders.id as', 'orders.id, ', 'a.b c']) {
      expect(() => parseSelect(bad)).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_JOIN' }));
    }
    expect(() => resolveSelect(p, parseSelect('orders.id, userz.name'))).toThrow(expect.objectContaining({
      code: 'GALE_ERR_JOIN_STREAM', message: expect.stringMatching(/"userz" is not one of the joined inputs \(orders, users, my.pay\)/),
    }));
    expect(() => resolveSelect(p, parseSelect('orders.id, users.id'))).toThrow(expect.objectContaining({
      code: 'GALE_ERR_JOIN_DUPLICATE_OUTPUT', message: expect.stringMatching(/"orders.id" and "users.id" as the same output field "id"/),
    }));
    expect(resolveSelect(p, [{ stream: 'orders', field: 'id' }, { stream: 'users', field: 'id', as: 'userId' }]).map((f) => f.as)).toEqual(['id', 'userId']);
    expect(() => resolveSelect(p, [])).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_JOIN' }));
  });
});
