// The "start one" hint of an unreachable NATS server names the port the spout was given.
import { natsPort } from '../nats-session.js';

describe('natsPort', () => {
  it.each([
    ['127.0.0.1:4299', 4299],
    ['nats://localhost:4300', 4300],
    ['nats://localhost:4301/', 4301],
    ['localhost', 4222],
    [undefined, 4222],
  ])('%s -> %d', (server, port) => {
    expect(natsPort(server)).toBe(port);
  });
});
