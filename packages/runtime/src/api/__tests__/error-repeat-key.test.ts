// errorRepeatKey decides which reported errors are one entry (and share one log rate limit, one
// ZooKeeper write throttle, one stack cache). It masked every word holding a digit, so genuinely
// different errors folded (status 404 and 503, utf8 and base64, sha256 and md5, ports). Now only
// id-like parts are masked. foldRecentError could evict the entry it had just added, uncounted.
import { errorRepeatKey, foldRecentError } from '../stats.js';

const key = (message: string): string => errorRepeatKey({ message });

describe('errorRepeatKey keeps different errors apart', () => {
  it.each([
    ['request failed: status 404', 'request failed: status 503'],
    ['Request failed with status code 404', 'Request failed with status code 500'],
    ['HTTP 401 from https://api.example.com', 'HTTP 403 from https://api.example.com'],
    ['invalid utf8 in field "name"', 'invalid base64 in field "name"'],
    ['sha256 mismatch for chunk', 'md5 mismatch for chunk'],
    ["Cannot read properties of undefined (reading 'x1')", "Cannot read properties of undefined (reading 'y2')"],
    ['connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED 127.0.0.1:4222'],
  ])('%s / %s', (a, b) => {
    expect(key(a)).not.toBe(key(b));
  });
});

describe('errorRepeatKey folds messages that differ only in ids and numbers', () => {
  it.each([
    ['order ord-8812 not found (after 5012 ms)', 'order ord-17 not found (after 3 ms)'],
    ['message 550e8400-e29b-41d4-a716-446655440000 rejected', 'message 6ba7b810-9dad-11d1-80b4-00c04fd430c8 rejected'],
    ['offset 18446744073709 is past the end', 'offset 7 is past the end'],
    ['worker exited (crash 1 of that message)', 'worker exited (crash 3 of that message)'],
    ['reading /data/in.txt at byte 4 failed', 'reading /data/in.txt at byte 8 failed'],
    ['commit 3f2a9c1d0be7 not found', 'commit a1b2c3d4e5f6a7b8 not found'],
    ['took 5012ms', 'took 12ms'],
    ['connect ECONNREFUSED 10.0.0.3:6379', 'connect ECONNREFUSED 10.0.0.12:6379'],
    ['at 2026-12-03T10:04:38.123Z: stale', 'at 2026-12-04T11:14:08.9Z: stale'],
    ['user_12 is locked', 'user_9981 is locked'],
    ['after 404 ms', 'after 503 ms'], // a number not after status/code/HTTP is a count
  ])('%s / %s', (a, b) => {
    expect(key(a)).toBe(key(b));
  });

  it('bad data folds by code whatever the message', () => {
    expect(errorRepeatKey({ message: 'amount "x1" is bad', code: 'C', data: true })).toBe(errorRepeatKey({ message: 'other', code: 'C', data: true }));
  });
});

describe('foldRecentError never evicts the entry it just added', () => {
  type E = { message: string; code?: string; count?: number };
  const merge = (old: E, e: E, count: number): E => ({ ...e, count });
  const add = (list: E[], e: E): string[] => foldRecentError(list, e, 10, merge).map((x) => x.message);

  it('ten distinct codes, then an error sharing a code with one: it stays, that code keeps its newest entry', () => {
    const list: E[] = Array.from({ length: 10 }, (_, i) => ({ message: `m${String.fromCharCode(97 + i)}`, code: `C${String.fromCharCode(97 + i)}` }));
    const out = add(list, { message: 'another c', code: 'Cc' });
    expect(out).toHaveLength(10);
    expect(out.at(-1)).toBe('another c');
    expect(out).toEqual(['ma', 'mb', 'md', 'me', 'mf', 'mg', 'mh', 'mi', 'mj', 'another c']);
  });

  it('nine coded errors and one uncoded: each new distinct uncoded error is kept (the previous one goes)', () => {
    const list: E[] = Array.from({ length: 9 }, (_, i) => ({ message: `m${String.fromCharCode(97 + i)}`, code: `C${String.fromCharCode(97 + i)}` }));
    list.push({ message: 'plain one' });
    expect(add(list, { message: 'plain two' }).at(-1)).toBe('plain two');
    expect(add(list, { message: 'plain three' }).at(-1)).toBe('plain three');
    expect(list.map((e) => e.message).slice(0, 9)).toEqual(['ma', 'mb', 'mc', 'md', 'me', 'mf', 'mg', 'mh', 'mi']);
  });

  it('a crowded code still gives up its second oldest entry, its first stays', () => {
    const list: E[] = [{ message: 'first', code: 'X' }, ...Array.from({ length: 9 }, (_, i) => ({ message: `flood ${String.fromCharCode(97 + i)}` }))];
    expect(add(list, { message: 'flood new' })).toEqual(['first', 'flood a', 'flood c', 'flood d', 'flood e', 'flood f', 'flood g', 'flood h', 'flood i', 'flood new']);
  });
});
