/**
 * Test-only seam: `GALE_TEST_PEER_ROUTES` makes a worker dial some peers at another address than
 * the one the assignment gives (the peer's supervisor `--host` and slot port), so that a test can
 * put a userspace fault proxy (test/harness/fault-proxy.ts) between two workers and drop, delay,
 * cut or reorder their bytes. Only where a worker dials changes: the peer still listens on its
 * slot port, and the handshake still names the real worker, so fencing and auth are unchanged.
 *
 * Format: comma-separated `host:port=host:port` pairs (assignment address = address to dial),
 * e.g. `127.0.0.1:4001=127.0.0.1:5001`. Never set it in production (docs/testing.md).
 */
import { ConfigError } from '../errors.js';

export interface PeerRouteAddress {
  readonly host: string;
  readonly port: number;
}

/** Assignment `host:port` → where to dial instead. */
export type PeerRoutes = ReadonlyMap<string, PeerRouteAddress>;

function parseAddress(text: string, whole: string): PeerRouteAddress {
  const i = text.lastIndexOf(':');
  const host = text.slice(0, i);
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `GALE_TEST_PEER_ROUTES: "${whole}" is not host:port=host:port`);
  }
  return { host, port };
}

/** Parses `GALE_TEST_PEER_ROUTES` (empty or absent: no routes). */
export function parsePeerRoutes(text: string | undefined): PeerRoutes {
  const routes = new Map<string, PeerRouteAddress>();
  for (const pair of (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const [from, to, ...rest] = pair.split('=');
    if (from === undefined || to === undefined || rest.length > 0) throw new ConfigError('GALE_ERR_TRANSPORT_OPTION', `GALE_TEST_PEER_ROUTES: "${pair}" is not host:port=host:port`);
    const a = parseAddress(from, pair);
    routes.set(`${a.host}:${a.port}`, parseAddress(to, pair));
  }
  return routes;
}
