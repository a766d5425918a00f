import type {
  FailReason,
  BasicBolt, BasicOutputCollector, Bolt, OutputCollector, OutputFieldsDeclarer, Spout, SpoutOutputCollector,
  TopologyContext, Tuple,
} from './types.js';

/**
 * Convenience base for spouts: keeps `context` and `collector` from `open`, no-op callbacks.
 * Override `open` and call `super.open(...)` if you need set-up.
 */
export abstract class BaseRichSpout implements Spout {
  protected context!: TopologyContext;
  protected collector!: SpoutOutputCollector;

  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;
  abstract nextTuple(): void | Promise<void>;

  open(context: TopologyContext, collector: SpoutOutputCollector): void | Promise<void> {
    this.context = context;
    this.collector = collector;
  }
  ack(_messageId: unknown): void {}
  fail(_messageId: unknown, _reason: FailReason): void {}
  activate(): void {}
  deactivate(): void {}
  close(): void | Promise<void> {}
}

/** Convenience base for bolts that ack themselves: keeps `context` and `collector` from `prepare`. */
export abstract class BaseRichBolt implements Bolt {
  protected context!: TopologyContext;
  protected collector!: OutputCollector;

  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;
  abstract execute(tuple: Tuple): void | Promise<void>;

  prepare(context: TopologyContext, collector: OutputCollector): void | Promise<void> {
    this.context = context;
    this.collector = collector;
  }
  cleanup(): void | Promise<void> {}
}

/** Convenience base for {@link BasicBolt}s: auto-anchoring, auto-ack. */
export abstract class BaseBasicBolt implements BasicBolt {
  readonly basic = true as const;
  protected context!: TopologyContext;

  abstract declareOutputFields(declarer: OutputFieldsDeclarer): void;
  abstract execute(tuple: Tuple, collector: BasicOutputCollector): void | Promise<void>;

  prepare(context: TopologyContext): void | Promise<void> {
    this.context = context;
  }
  cleanup(): void | Promise<void> {}
}
