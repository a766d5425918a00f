/**
 * The hop trace's view of one peer client (hop-trace.ts): a sampled record's enqueue into the open
 * batch, the encoding of its frame (by a full batch or flush, or by the flush timer) and the socket
 * write that frame went out in (the turn's cork released). Made only while tracing.
 */
import { Hop, hopTrace, sampledRoot, stampHop } from '../hop-trace.js';
import type { TurnCork } from './turn-cork.js';

export class BatchTrace {
  /** `[enqueue hop, root]` pairs of sampled records in the open batch, then in the corked write. */
  private open: number[] = [];
  private corked: number[] = [];

  /** Stamps the writes of `cork` (the client's). */
  constructor(cork: TurnCork) {
    cork.onRelease = this.written;
  }

  /** A record for `root` was taken (hop: Hop.DATA_ENQUEUE or Hop.ACK_ENQUEUE). */
  taken(hop: number, root: number): void {
    if (!sampledRoot(root)) return;
    stampHop(hop, root);
    this.open.push(hop, root);
  }

  /** The open batch became a frame (`byTimer`: the flush timer did it). */
  encoded(byTimer: boolean): void {
    const open = this.open;
    if (open.length === 0) return;
    const step = byTimer ? Hop.DATA_ENCODE_TIMER - Hop.DATA_ENQUEUE : Hop.DATA_ENCODE - Hop.DATA_ENQUEUE;
    for (let i = 0; i < open.length; i += 2) {
      if (hopTrace.on) stampHop(open[i]! + step, open[i + 1]!);
      this.corked.push(open[i]! + (Hop.DATA_WRITE - Hop.DATA_ENQUEUE), open[i + 1]!);
    }
    this.open = [];
  }

  /** The frames encoded so far went out in a socket write. */
  readonly written = (): void => {
    const corked = this.corked;
    if (corked.length === 0) return;
    for (let i = 0; i < corked.length; i += 2) if (hopTrace.on) stampHop(corked[i]!, corked[i + 1]!);
    this.corked = [];
  };
}
