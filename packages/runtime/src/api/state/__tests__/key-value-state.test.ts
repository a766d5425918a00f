import { InMemoryKeyValueState } from '../key-value-state.js';

describe('KeyValueState keys (compared by their JSON)', () => {
  it('tells numbers from strings, and keys objects and arrays by value', () => {
    const s = new InMemoryKeyValueState<unknown, string>();
    s.put(1, 'number');
    s.put('1', 'string');
    s.put({ a: 1 }, 'object');
    s.put([1, 'x'], 'array');
    s.put(null, 'null');
    s.put(true, 'true');
    expect(s.size).toBe(6);
    expect(s.get(1)).toBe('number');
    expect(s.get(1.0)).toBe('number');
    expect(s.get('1')).toBe('string');
    expect(s.get({ a: 1 })).toBe('object');
    expect(s.get([1, 'x'])).toBe('array');
    expect(s.get(null)).toBe('null');
    expect(s.get(true)).toBe('true');
    expect(s.get('true')).toBeUndefined();
    expect(s.get('null')).toBeUndefined();
  });

  it('keys equal in JSON are one key: -0 and 0, NaN and null', () => {
    const s = new InMemoryKeyValueState<unknown, number>();
    s.put(0, 1);
    s.put(-0, 2);
    s.put(null, 3);
    s.put(Number.NaN, 4);
    expect(s.size).toBe(2);
    expect(s.get(0)).toBe(2);
    expect(s.get(null)).toBe(4);
  });

  it('a string that looks like the JSON of another key, or starts with U+0000, is its own key', () => {
    const s = new InMemoryKeyValueState<unknown, string>();
    s.put('{"a":1}', 'text');
    s.put({ a: 1 }, 'object');
    s.put('\u0000{"a":1}', 'nul text');
    s.put('\u0000null', 'nul null');
    s.put(null, 'null');
    s.put('', 'empty');
    expect(s.size).toBe(6);
    expect(s.get('{"a":1}')).toBe('text');
    expect(s.get({ a: 1 })).toBe('object');
    expect(s.get('\u0000{"a":1}')).toBe('nul text');
    expect(s.get('\u0000null')).toBe('nul null');
    expect(s.get(null)).toBe('null');
    expect(s.get('')).toBe('empty');
  });

  it('snapshots as [key JSON, value] in insertion order, and restores what earlier versions stored', () => {
    const s = new InMemoryKeyValueState<unknown, number>();
    s.put('w', 1);
    s.put(2, 2);
    s.put({ k: ['x'] }, 3);
    s.put('\u0000', 4);
    s.put('w', 5);
    expect(s.snapshotEntries()).toEqual([['"w"', 5], ['2', 2], ['{"k":["x"]}', 3], ['"\\u0000"', 4]]);
    // The format state files and Redis hold: keys as JSON text.
    const r = new InMemoryKeyValueState<unknown, number>();
    r.restore({ txid: 3, entries: [['"w"', 5], ['2', 2], ['{"k":["x"]}', 3], ['"\\u0000"', 4]] });
    expect([...r]).toEqual([['w', 5], [2, 2], [{ k: ['x'] }, 3], ['\u0000', 4]]);
    expect(r.get('w')).toBe(5);
    expect(r.get(2)).toBe(2);
    expect(r.get({ k: ['x'] })).toBe(3);
    expect(r.get('\u0000')).toBe(4);
    r.put('w', 6);
    expect(r.snapshotEntries()[0]).toEqual(['"w"', 6]);
  });

  it('delete, has, and a key that is not JSON', () => {
    const s = new InMemoryKeyValueState<unknown, number>();
    s.put('a', 1);
    expect(s.has('a')).toBe(true);
    expect(s.delete('a')).toBe(true);
    expect(s.delete('a')).toBe(false);
    expect(s.get('a', 9)).toBe(9);
    expect(() => s.put(undefined, 1)).toThrow(TypeError);
    expect(() => s.put(() => 1, 1)).toThrow(TypeError);
    expect(() => s.put('x', undefined as unknown as number)).toThrow(TypeError);
  });

  it('an object key keeps the object first put under it, through put, delete and restore; snapshots are canonical JSON', () => {
    const s = new InMemoryKeyValueState<unknown, number>();
    const first = { id: 1 };
    s.put(first, 1);
    s.put({ id: 1 }, 2); // same JSON: the value changes, the key stays the first object
    s.put(-0, 3);
    s.put('\u0000x', 4);
    first.id = 99; // changed after the put: the state keyed it by its JSON then
    expect([...s.keys()]).toEqual([first, 0, '\u0000x']);
    expect(s.get({ id: 1 })).toBe(2);
    expect(s.snapshotEntries()).toEqual([['{"id":1}', 2], ['0', 3], ['"\\u0000x"', 4]]);
    expect(s.delete({ id: 1 })).toBe(true);
    s.put({ id: 1 }, 5);
    expect([...s.entries()]).toEqual([[0, 3], ['\u0000x', 4], [{ id: 1 }, 5]]);
    const copy = new InMemoryKeyValueState<unknown, number>();
    copy.put({ stale: true }, 0);
    copy.restore({ txid: 1, entries: s.snapshotEntries() });
    expect([...copy]).toEqual([[0, 3], ['\u0000x', 4], [{ id: 1 }, 5]]);
    expect(copy.get({ stale: true })).toBeUndefined();
  });
});
