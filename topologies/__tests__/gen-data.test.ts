// gen-data: reproducible lines, clear argument errors, and pushing into real Redis and NATS servers.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { startNats } from '../../test/harness/nats.js';
import { startRedis } from '../../test/harness/redis.js';
import { logs, parseGenArgs, pushLines, visits } from '../gen-data.js';

const OPTS = { count: 200, seed: 5, rate: 10, start: 1_700_000_000_000, users: 20, invalid: 0.05 };

describe('gen-data', () => {
  it('gives the same lines for the same seed', () => {
    expect([...visits(OPTS)]).toEqual([...visits(OPTS)]);
    expect([...logs(OPTS)]).not.toEqual([...logs({ ...OPTS, seed: 6 })]);
  });

  it('refuses bad arguments in one line with the usage', () => {
    expect(() => parseGenArgs(['clicks'], 0)).toThrow(/^first argument must be visits or logs, got "clicks"/);
    expect(() => parseGenArgs(['logs', '--count', '-1'], 0)).toThrow('--count must be an integer >= 0, got "-1"');
    expect(() => parseGenArgs(['logs', '--ot', 'x'], 0)).toThrow(/^unknown flag --ot/);
    expect(() => parseGenArgs(['logs', '--out', 'x', '--redis', 'redis://h'], 0)).toThrow(/^give one of --out, --redis, --nats/);
    expect(parseGenArgs(['visits', '--redis', 'redis://h:1'], 0).target).toEqual({ kind: 'redis', url: 'redis://h:1', stream: 'visits' });
  });

  it('pushes every line into a Redis stream (XADD, field line)', async () => {
    const redis = await startRedis();
    const client = new Redis(redis.url);
    try {
      const lines = [...logs(OPTS)];
      expect(await pushLines(lines, { kind: 'redis', url: redis.url, stream: 'logs' })).toBe(200);
      expect(await client.xlen('logs')).toBe(200);
      const [[, fields]] = (await client.xrange('logs', '-', '+', 'COUNT', 1)) as [string, string[]][];
      expect(fields).toEqual(['line', lines[0]]);
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it('says how to start Redis when none runs there', async () => {
    await expect(pushLines(['x'], { kind: 'redis', url: 'redis://127.0.0.1:1', stream: 's' })).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*start one with: redis-server/);
  });

  it('publishes every line to NATS JetStream', async () => {
    const nats = await startNats();
    const nc = await connect({ servers: nats.servers });
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name: 'VISITS', subjects: ['visits'] });
      expect(await pushLines(visits(OPTS), { kind: 'nats', servers: nats.servers, subject: 'visits' })).toBe(200);
      expect((await jsm.streams.info('VISITS')).state.messages).toBe(200);
    } finally {
      await nc.close();
      await nats.stop();
    }
  });
});
