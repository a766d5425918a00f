// The test-only GALE_TEST_PEER_ROUTES seam (a fault proxy between two workers): parsed at the
// worker's boundary, refused with a precise message when malformed.
import { parsePeerRoutes } from '../peer-routes.js';

describe('parsePeerRoutes', () => {
  it('maps assignment addresses to the addresses to dial', () => {
    const r = parsePeerRoutes(' 127.0.0.1:4001=127.0.0.1:5001, 127.0.0.1:4002=10.0.0.2:6002 ');
    expect([...r]).toEqual([
      ['127.0.0.1:4001', { host: '127.0.0.1', port: 5001 }],
      ['127.0.0.1:4002', { host: '10.0.0.2', port: 6002 }],
    ]);
  });

  it('is empty when unset or blank', () => {
    expect(parsePeerRoutes(undefined).size).toBe(0);
    expect(parsePeerRoutes('').size).toBe(0);
  });

  it.each(['127.0.0.1:4001', '127.0.0.1:4001=127.0.0.1', ':4001=127.0.0.1:5001', '127.0.0.1:4001=127.0.0.1:70000', 'a:1=b:2=c:3'])('refuses %p', (text) => {
    expect(() => parsePeerRoutes(text)).toThrow(expect.objectContaining({ code: 'GALE_ERR_TRANSPORT_OPTION' }));
  });
});
