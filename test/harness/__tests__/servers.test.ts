import { natsInfo, startNats } from '../nats.js';
import { redisPing, startRedis } from '../redis.js';

describe('test servers from Debian packages', () => {
  it('starts redis-server, survives kill + restart on the same port, and stops', async () => {
    const r = await startRedis({ appendonly: true });
    try {
      expect(r.url).toBe(`redis://127.0.0.1:${r.port}`);
      expect(await redisPing(r.port)).toBe(true);
      await r.kill();
      expect(await redisPing(r.port)).toBe(false);
      await r.restart();
      expect(await redisPing(r.port)).toBe(true);
    } finally {
      await r.stop();
    }
    expect(await redisPing(r.port)).toBe(false);
  });

  it('starts nats-server with JetStream and stops it', async () => {
    const n = await startNats();
    try {
      expect(n.servers).toBe(`127.0.0.1:${n.port}`);
      expect(await natsInfo(n.port)).toBe(true);
    } finally {
      await n.stop();
    }
    expect(await natsInfo(n.port)).toBe(false);
  });
});
