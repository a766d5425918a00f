import {
  BaseRichSpout, BaseWindowedBolt, Count, Duration, TopologyBuilder, WINDOW_LATE_FIELDS, WINDOW_LATE_STREAM, slidingWindow, tumblingWindow,
  TopologyError, type BuildOptions, type OutputFieldsDeclarer, type TupleWindow, type WindowSpec, type WindowedBoltWiring,
} from '@gale/runtime';
import { withSubmitOverrides } from '../../submit-overrides.js';

class TsSpout extends BaseRichSpout {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['word', 'ts']);
  }
  nextTuple(): void {}
}

class Win extends BaseWindowedBolt {
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  execute(_w: TupleWindow): void {}
}

function build(window: WindowSpec, options: Partial<BuildOptions> = {}, boltOptions = {}): ReturnType<TopologyBuilder['build']> {
  const b = new TopologyBuilder();
  b.setSpout('s', new TsSpout(), { parallelism: 2 });
  b.setBolt('mid', new Win(tumblingWindow(Count.of(10)))).shuffleGrouping('s');
  b.setBolt('w', new Win(window), boltOptions).shuffleGrouping('mid');
  return b.build({ name: 't', ...options, config: { maxSpoutPending: 100, ...options.config } });
}

describe('building windowed bolts', () => {
  it('wraps the windowed bolt in an ordinary bolt: ticks from the spec, one execute at a time, a late stream for event time', () => {
    const t = build(slidingWindow(Duration.ofSeconds(10), Duration.ofSeconds(4)));
    const w = t.components.get('w')!;
    expect(w).toMatchObject({ kind: 'bolt', tickFrequencySecs: 2, maxConcurrency: 1 });
    expect(w.kind === 'bolt' && typeof w.create().execute).toBe('function');
    expect([...w.streams.keys()]).toEqual(['default']);
    expect(t.components.get('mid')).toMatchObject({ tickFrequencySecs: undefined });

    const b = new TopologyBuilder();
    b.setSpout('s', new TsSpout());
    b.setBolt('ev', () => new Win({ length: Duration.ofMinutes(1), timestamp: 'ts', watermarkIntervalMs: 500 })).shuffleGrouping('s');
    const ev = b.build({ name: 'ev', config: { maxSpoutPending: 10, messageTimeoutMs: 200_000 } }).components.get('ev')!;
    expect(ev.streams.get(WINDOW_LATE_STREAM)?.fields.names).toEqual(WINDOW_LATE_FIELDS);
    expect(ev).toMatchObject({ tickFrequencySecs: 0.5 });
  });

  it('rejects a messageTimeoutMs shorter than window length + sliding interval, naming both numbers', () => {
    expect(() => build(slidingWindow(Duration.ofSeconds(25), Duration.ofSeconds(10)))).toThrow(expect.objectContaining({
      name: 'TopologyError',
      code: 'GALE_ERR_WINDOW_TIMEOUT',
      message: expect.stringMatching(/messageTimeoutMs \(30000\) is shorter than window length \+ sliding interval \(25000 \+ 10000 = 35000 ms\).*at least 35000/),
    }));
    expect(() => build(slidingWindow(Duration.ofSeconds(25), Duration.ofSeconds(10)), { config: { messageTimeoutMs: 35_000 } })).not.toThrow();
  });

  it('judges the timeout the CLI will submit with: an override can break the rule and fix it', async () => {
    const spec = slidingWindow(Duration.ofSeconds(25), Duration.ofSeconds(10));
    const fixed = await withSubmitOverrides({ config: { messageTimeoutMs: 35_000 }, origin: ', from --set' }, async () => build(spec));
    expect(fixed.config.messageTimeoutMs).toBe(30_000); // the code's config; the override is applied at submit
    await expect(withSubmitOverrides({ config: { messageTimeoutMs: 3000 }, origin: ', from --set' }, async () => build(spec, { config: { messageTimeoutMs: 60_000 } })))
      .rejects.toMatchObject({ code: 'GALE_ERR_WINDOW_TIMEOUT', message: expect.stringMatching(/messageTimeoutMs \(3000, from --set\) is shorter .*\(--set messageTimeoutMs=35000\)$/) });
    // Outside a CLI run the code's config alone counts.
    expect(() => build(spec)).toThrow(expect.objectContaining({ code: 'GALE_ERR_WINDOW_TIMEOUT' }));
  });

  it('event time adds idleInputMs when several upstream tasks feed the bolt, and idleFlushMs when set: the watermark waits that long', () => {
    // Two spout tasks feed 'ev' directly: a silent one holds the watermark for idleInputMs (default 5000).
    const two = (window: WindowSpec, messageTimeoutMs: number, spoutTasks = 2): void => {
      const b = new TopologyBuilder();
      b.setSpout('s', new TsSpout(), { parallelism: spoutTasks });
      b.setBolt('ev', new Win(window)).shuffleGrouping('s');
      b.build({ name: 't', config: { maxSpoutPending: 100, messageTimeoutMs } });
    };
    const spec: WindowSpec = { length: Duration.ofSeconds(10), timestamp: 'ts' };
    // The old sum (10000 + 10000 + 0 + 0 + 1000) is no longer enough with 2 channels.
    expect(() => two(spec, 21_000)).toThrow(expect.objectContaining({
      code: 'GALE_ERR_WINDOW_TIMEOUT',
      message: expect.stringMatching(/\+ idleInputMs \(2 input channels: upstream tasks × streams\) \(10000 \+ 10000 \+ 0 \+ 0 \+ 1000 \+ 5000 = 26000 ms\).*at least 26000.*lower idleInputMs/),
    }));
    expect(() => two(spec, 26_000)).not.toThrow();
    expect(() => two({ ...spec, idleInputMs: 2000 }, 23_000)).not.toThrow();
    // One channel: nothing to wait for.
    expect(() => two(spec, 21_000, 1)).not.toThrow();
    // The idle flush of a finished input: its last windows wait idleFlushMs more.
    expect(() => two({ ...spec, idleFlushMs: 4000 }, 24_000, 1)).toThrow(/\+ idleFlushMs \(10000 \+ 10000 \+ 0 \+ 0 \+ 1000 \+ 4000 = 25000 ms\)(?!.*idleInputMs).*lower idleFlushMs/);
    expect(() => two({ ...spec, idleFlushMs: 4000 }, 25_000, 1)).not.toThrow();
    // Processing time has neither.
    expect(() => two({ length: Duration.ofSeconds(10) }, 20_000)).not.toThrow();
  });

  it('event time adds max lag, allowed lateness and the watermark interval to the timeout rule', () => {
    expect(() => build({ length: Duration.ofSeconds(10), timestamp: () => 0, maxLagMs: 5000, allowedLatenessMs: 2000 }, { config: { messageTimeoutMs: 20_000 } }))
      .toThrow(/window length \+ sliding interval \+ maxLagMs \+ allowedLatenessMs \+ watermarkIntervalMs \(10000 \+ 10000 \+ 5000 \+ 2000 \+ 1000 = 28000 ms\)/);
  });

  it('refuses a duration window without a memory bound: no maxSpoutPending, or more pending than maxTuples', () => {
    expect(() => build(tumblingWindow(Duration.ofSeconds(1)), { config: { maxSpoutPending: null } })).toThrow(expect.objectContaining({
      code: 'GALE_ERR_WINDOW_MEMORY', message: expect.stringMatching(/spout "s" has no maxSpoutPending/),
    }));
    expect(() => build(tumblingWindow(Duration.ofSeconds(1), { maxTuples: 150 }))).toThrow(expect.objectContaining({
      code: 'GALE_ERR_WINDOW_MEMORY', message: expect.stringMatching(/may have 200 tuples pending .* above the window's maxTuples \(150\)/),
    }));
    expect(() => build(tumblingWindow(Count.of(5000), { maxTuples: 1000 }))).toThrow(expect.objectContaining({ code: 'GALE_ERR_WINDOW_MEMORY' }));
  });

  it('refuses an event-time field that an input stream does not declare, and a bad spec, at build time', () => {
    expect(() => build({ length: Duration.ofSeconds(1), timestamp: 'ts' })).toThrow(expect.objectContaining({
      code: 'GALE_ERR_WINDOW_TIMESTAMP_FIELD', message: expect.stringMatching(/windowed bolt "w" reads event time from field "ts", but "mid"\/"default" declares only \[n\]/),
    }));
    expect(() => build({ length: Duration.ofMillis(0) })).toThrow(expect.objectContaining({ code: 'GALE_ERR_BAD_WINDOW', message: expect.stringMatching(/windowed bolt "w"/) }));
  });

  it('refuses tick and concurrency options on a windowed bolt', () => {
    expect(() => build(tumblingWindow(Duration.ofSeconds(1)), {}, { tickFrequencySecs: 1 })).toThrow(/gets its ticks from its window spec/);
    expect(() => build(tumblingWindow(Duration.ofSeconds(1)), {}, { maxConcurrency: 4 })).toThrow(/maxConcurrency must be 1/);
  });

  it('refuses a user stream named like the late stream', () => {
    class Clash extends Win {
      override declareOutputFields(d: OutputFieldsDeclarer): void {
        d.declareStream('late', ['x']);
      }
    }
    const b = new TopologyBuilder();
    b.setSpout('s', new TsSpout());
    b.setBolt('w', new Clash({ length: Duration.ofSeconds(1), timestamp: 'ts' })).shuffleGrouping('s');
    expect(() => b.build({ name: 'x', config: { maxSpoutPending: 1 } })).toThrow(/declares stream "late" twice/);
  });

  it('shows the wiring to checkInputs after the subscriptions are valid; its throw refuses the topology', () => {
    const seen: WindowedBoltWiring[] = [];
    class Checked extends Win {
      constructor(private readonly refuse: boolean) {
        super(tumblingWindow(Count.of(5)));
      }
      checkInputs(wiring: WindowedBoltWiring): void {
        seen.push(wiring);
        if (this.refuse) throw new TopologyError('GALE_ERR_TEST', `bolt "${wiring.id}" refuses its inputs`);
      }
    }
    const topology = (refuse: boolean): TopologyBuilder => {
      const b = new TopologyBuilder();
      b.setSpout('s', new TsSpout());
      b.setBolt('w', new Checked(refuse), { parallelism: 2, numTasks: 3 }).fieldsGrouping('s', ['word']).allGrouping('s');
      return b;
    };
    topology(false).build({ name: 'ok' });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: 'w', numTasks: 3 });
    expect(seen[0]!.inputs.map((i) => [i.component, i.stream, i.fields.names, i.grouping.type])).toEqual([
      ['s', 'default', ['word', 'ts'], 'fields'], ['s', 'default', ['word', 'ts'], 'all'],
    ]);
    expect(() => topology(true).build({ name: 'no' })).toThrow(expect.objectContaining({ code: 'GALE_ERR_TEST', message: 'bolt "w" refuses its inputs' }));
  });
});
