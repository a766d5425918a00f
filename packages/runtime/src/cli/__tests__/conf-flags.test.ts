import { parseConfFlags, parseSetFlags } from '../set-flags.js';

describe('-c key=value', () => {
  it('types gale keys, converts Storm names and passes dotted keys through as JSON or text', () => {
    expect(parseConfFlags(['maxSpoutPending=10', 'topology.message.timeout.secs=7', 'my.list=[1,2]', 'my.name=abc', 'my.flag=true'])).toEqual({
      maxSpoutPending: 10, messageTimeoutMs: 7000, componentConfig: { 'my.list': [1, 2], 'my.name': 'abc', 'my.flag': true },
    });
    expect(parseConfFlags(['topology.enable.message.timeouts=false'])).toEqual({ messageTimeoutMs: 2 ** 31 - 1 });
  });

  it('wins over --set for the same key', () => {
    expect(parseSetFlags(['maxSpoutPending=1', 'input=x'], 'local', ['maxSpoutPending=2']))
      .toEqual({ config: { maxSpoutPending: 2 }, params: { input: 'x' } });
  });

  it('rejects bad entries with one clear message', () => {
    expect(() => parseConfFlags(['maxSpoutPending'])).toThrow('-c "maxSpoutPending" is not key=value');
    expect(() => parseConfFlags(['=3'])).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_CONF' }));
    expect(() => parseConfFlags(['maxSpoutPendin=3'])).toThrow('unknown -c key "maxSpoutPendin" (did you mean "maxSpoutPending"?)');
    expect(() => parseConfFlags(['topology.max.spout.pending=lots']))
      .toThrow('-c topology.max.spout.pending=lots: "topology.max.spout.pending" (gale\'s "maxSpoutPending") must be an integer >= 1 or null');
    expect(() => parseConfFlags(['ackers=-1'])).toThrow('config key "ackers" (from -c) must be an integer >= 0 or null, got -1');
    expect(() => parseConfFlags(['topology.enable.message.timeouts=no'])).toThrow('must be true or false');
  });
});
