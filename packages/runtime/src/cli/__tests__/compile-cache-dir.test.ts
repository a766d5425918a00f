import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCacheDir } from '../compile-cache.js';

describe('compileCacheDir', () => {
  it('is off with GALE_TOPOLOGY_CACHE=off and the given directory otherwise', () => {
    expect(compileCacheDir({ GALE_TOPOLOGY_CACHE: 'off', HOME: '/home/u' })).toBeUndefined();
    expect(compileCacheDir({ GALE_TOPOLOGY_CACHE: '/c/d', HOME: '/home/u' })).toBe('/c/d');
    expect(compileCacheDir({ GALE_TOPOLOGY_CACHE: 'rel' })).toBe(path.resolve('rel'));
  });

  it('defaults to a per-user directory: XDG_CACHE_HOME, then ~/.cache, then the temp dir with the uid', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x', HOME: '/home/u' })).toBe('/x/gale/topologies');
    expect(compileCacheDir({ XDG_CACHE_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.cache/gale/topologies');
    expect(compileCacheDir({ GALE_TOPOLOGY_CACHE: '', HOME: '/home/u' })).toBe('/home/u/.cache/gale/topologies');
    expect(compileCacheDir({})).toBe(path.join(tmpdir(), `gale-topology-cache-${process.getuid?.() ?? 'user'}`));
  });
});
