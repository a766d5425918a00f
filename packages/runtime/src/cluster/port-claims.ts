import type { SupervisorInfo } from './model.js';

/** Names that bind the same loopback address (the supervisor binds `localhost` as 127.0.0.1 too). */
function sameHost(a: string, b: string): boolean {
  const norm = (h: string): string => (h === 'localhost' ? '127.0.0.1' : h.toLowerCase());
  return norm(a) === norm(b);
}

/**
 * The first of this supervisor's slot ports that another registered supervisor on the same host
 * already offers, with that supervisor. Checked at start besides binding the port: the other one
 * may not listen on it yet (its workers bind their slot ports only when assigned), and two
 * supervisors scheduling the same host:port would fight over it.
 */
export function claimedPort(
  self: { readonly id: string; readonly host: string; readonly ports: readonly number[] },
  registered: Iterable<SupervisorInfo>,
): { port: number; by: SupervisorInfo } | undefined {
  for (const other of registered) {
    if (other.id === self.id || !sameHost(other.host, self.host)) continue;
    const port = self.ports.find((p) => other.ports.includes(p));
    if (port !== undefined) return { port, by: other };
  }
  return undefined;
}
