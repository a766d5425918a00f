import { ConfigError, TOPOLOGY_CONFIG_DEFAULTS, onConfigNotice, parseTopologyConfig } from '@gale/runtime';

describe('Storm config names in a topology config', () => {
  it('maps Storm keys to gale keys, converting units', () => {
    const cfg = parseTopologyConfig({
      'topology.workers': 3,
      'topology.acker.executors': 0,
      'topology.message.timeout.secs': 45,
      'topology.max.spout.pending': 500,
      'topology.tick.tuple.freq.secs': 2.5,
      'topology.executor.receive.buffer.size': 1024,
      'topology.sleep.spout.wait.strategy.time.ms': 5,
    });
    expect(cfg).toMatchObject({
      workers: 3, ackers: 0, messageTimeoutMs: 45_000, maxSpoutPending: 500, tickFrequencySecs: 2.5, queueCapacity: 1024, spoutWaitMs: 5,
      componentConfig: {},
    });
  });

  it('turns topology.enable.message.timeouts: false into the longest timeout, and ignores true', () => {
    expect(parseTopologyConfig({ 'topology.enable.message.timeouts': false }).messageTimeoutMs).toBe(2 ** 31 - 1);
    expect(parseTopologyConfig({ 'topology.enable.message.timeouts': true }).messageTimeoutMs).toBe(30_000);
  });

  it('passes unknown dotted keys through to componentConfig and keeps them over a base config', () => {
    const base = parseTopologyConfig({ 'my.app.endpoint': 'http://x', 'my.app.retries': 3, 'topology.debug': true });
    expect(base.componentConfig).toEqual({ 'my.app.endpoint': 'http://x', 'my.app.retries': 3, 'topology.debug': true });
    const over = parseTopologyConfig({ componentConfig: { 'my.app.retries': 5 }, 'my.other': [1, { a: 'b' }] }, base);
    expect(over.componentConfig).toEqual({ 'my.app.endpoint': 'http://x', 'my.app.retries': 5, 'topology.debug': true, 'my.other': [1, { a: 'b' }] });
    expect(Object.isFrozen(over.componentConfig)).toBe(true);
    expect(TOPOLOGY_CONFIG_DEFAULTS.componentConfig).toEqual({});
  });

  it('checks the converted value against the gale key, naming the Storm key', () => {
    expect(() => parseTopologyConfig({ 'topology.max.spout.pending': 0 }))
      .toThrow('config key "topology.max.spout.pending" (gale\'s "maxSpoutPending") must be an integer >= 1 or null, got 0');
    expect(() => parseTopologyConfig({ 'topology.message.timeout.secs': 'ten' })).toThrow(ConfigError);
  });

  it('rejects a gale key and its Storm name with different values, accepts equal ones', () => {
    expect(() => parseTopologyConfig({ maxSpoutPending: 10, 'topology.max.spout.pending': 20 }))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_CONFLICT' }));
    expect(() => parseTopologyConfig({ 'topology.max.spout.pending': 20, maxSpoutPending: 10 }))
      .toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_CONFLICT' }));
    expect(parseTopologyConfig({ messageTimeoutMs: 5000, 'topology.message.timeout.secs': 5 }).messageTimeoutMs).toBe(5000);
  });

  it('still rejects unknown undotted keys, and pass-through values that are not plain data', () => {
    expect(() => parseTopologyConfig({ maxSpoutPendin: 3 })).toThrow(/unknown config key "maxSpoutPendin" \(did you mean "maxSpoutPending"\?\)/);
    expect(() => parseTopologyConfig({ 'my.fn': () => 1 })).toThrow(expect.objectContaining({ code: 'GALE_ERR_CONFIG_VALUE' }));
    expect(() => parseTopologyConfig({ componentConfig: { plain: 1 } })).toThrow(/must be dotted/);
  });

  it('sends each notice once per process, only to listeners', () => {
    const seen: string[] = [];
    const off = onConfigNotice((n) => seen.push(n));
    try {
      parseTopologyConfig({ 'topology.workers': 2, 'topology.backpressure.enable': true, 'topology.max.spout.pendng': 1 });
      parseTopologyConfig({ 'topology.workers': 2 });
    } finally {
      off();
    }
    expect(seen).toEqual([
      'config key "topology.workers" is Storm\'s name for "workers"; using it',
      'config key "topology.backpressure.enable" has no effect in gale (gale always applies backpressure (bounded queues)); passed through to the components',
      'config key "topology.max.spout.pendng" is not one gale maps; passed through to the components (did you mean "topology.max.spout.pending"?)',
    ]);
  });
});
