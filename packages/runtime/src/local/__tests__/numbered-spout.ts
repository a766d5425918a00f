import { BaseRichSpout, type OutputFieldsDeclarer } from '@gale/runtime';

/** Test callbacks; functions are shared by every task's copy of the spout, so they can record state. */
export interface NumberedSpoutHooks {
  ack?(id: number): void;
  fail?(id: number): void;
}

/** Emits ids 1..n on field `id` with the id as message id, replays failed ids first. */
export class NumberedSpout extends BaseRichSpout {
  private next = 1;
  private replay: number[] = [];
  constructor(private readonly n: number, private readonly hooks: NumberedSpoutHooks = {}) {
    super();
  }
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['id']);
  }
  nextTuple(): void {
    const id = this.replay.shift() ?? (this.next <= this.n ? this.next++ : undefined);
    if (id !== undefined) this.collector.emit([id], id);
  }
  override ack(id: unknown): void {
    this.hooks.ack?.(id as number);
  }
  override fail(id: unknown): void {
    this.hooks.fail?.(id as number);
    this.replay.push(id as number);
  }
  isExhausted(): boolean {
    return this.next > this.n && this.replay.length === 0;
  }
}
