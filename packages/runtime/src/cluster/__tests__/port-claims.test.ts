import { claimedPort } from '../port-claims.js';
import type { SupervisorInfo } from '../model.js';

const sup = (id: string, host: string, ports: number[]): SupervisorInfo => ({ id, host, ports, pid: 1, version: '0', startedAt: 0 });

describe('a supervisor refuses slot ports another registered supervisor on its host offers', () => {
  it('finds the first overlapping port on the same host, localhost being 127.0.0.1', () => {
    const other = sup('a', '127.0.0.1', [6700, 6701]);
    expect(claimedPort({ id: 'b', host: 'localhost', ports: [6699, 6701, 6700] }, [other])).toEqual({ port: 6701, by: other });
  });

  it('allows the same ports on another host, and its own registration (same id)', () => {
    expect(claimedPort({ id: 'b', host: '10.0.0.2', ports: [6700] }, [sup('a', '10.0.0.1', [6700])])).toBeUndefined();
    expect(claimedPort({ id: 'a', host: '10.0.0.1', ports: [6700] }, [sup('a', '10.0.0.1', [6700])])).toBeUndefined();
    expect(claimedPort({ id: 'b', host: '10.0.0.1', ports: [6710] }, [sup('a', '10.0.0.1', [6700])])).toBeUndefined();
  });
});
