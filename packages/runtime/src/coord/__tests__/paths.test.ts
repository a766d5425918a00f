import { DEFAULT_ZK_ROOT, parseWorkerName, zkPaths } from '../paths.js';
import { ZkError } from '../zk-errors.js';

const sha = 'a'.repeat(64);

function badName(fn: () => unknown): ZkError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ZkError);
    expect((err as ZkError).code).toBe('GALE_ERR_ZK_BAD_NAME');
    return err as ZkError;
  }
  throw new Error('expected GALE_ERR_ZK_BAD_NAME');
}

describe('znode layout', () => {
  test('paths under the default root', () => {
    const p = zkPaths();
    expect(p.root).toBe(DEFAULT_ZK_ROOT);
    expect(p.supervisor('sup-1')).toBe('/gale/supervisors/sup-1');
    expect(p.leaderDir()).toBe('/gale/leader');
    expect(p.topology('word-count')).toBe('/gale/topologies/word-count');
    expect(p.code(sha)).toBe(`/gale/code/${sha}`);
    expect(p.codeChunk(sha, 2)).toBe(`/gale/code/${sha}/2`);
    expect(p.assignment('wc')).toBe('/gale/assignments/wc');
    expect(p.worker('wc', 'host-a.1', 6700)).toBe('/gale/workers/wc/host-a.1-6700');
    expect(p.componentErrors('wc', 'split')).toBe('/gale/errors/wc/split');
    expect(p.backpressure('wc')).toBe('/gale/backpressure/wc');
    expect(p.secret()).toBe('/gale/secret');
    expect(p.baseDirs()).toContain('/gale/workers');
  });

  test('a configurable, normalised root', () => {
    expect(zkPaths('/prod/gale/').topology('t')).toBe('/prod/gale/topologies/t');
    for (const bad of ['gale', '/', '/a//b', '/a/../b', '/a b']) badName(() => zkPaths(bad));
  });

  test('names cannot escape their directory', () => {
    const p = zkPaths();
    for (const bad of ['', '.', '..', 'a/b', 'a b', 'x'.repeat(201), '__proto__\n']) {
      badName(() => p.topology(bad));
    }
    expect(badName(() => p.componentErrors('wc', '../x')).message).toMatch(/component id/);
    badName(() => p.code('ABC'));
    badName(() => p.codeChunk(sha, -1));
    badName(() => p.worker('wc', 's', 70000));
  });

  test('worker znode names parse back, with dashes in the supervisor id', () => {
    expect(parseWorkerName('host-a-1-6700')).toEqual({ supervisor: 'host-a-1', port: 6700 });
    badName(() => parseWorkerName('nohyphen'));
    badName(() => parseWorkerName('s-0'));
  });
});
