import { LivenessMonitor } from '../liveness.js';

describe('LivenessMonitor (injected clock)', () => {
  const TIMEOUT = 5000;
  const TICK = 1000;

  it('an idle link with unanswered pings is dead just after the timeout', () => {
    const m = new LivenessMonitor(TIMEOUT);
    expect(m.pongAgeMs(0)).toBe(Infinity);
    m.opened(0);
    let deadAt = -1;
    for (let t = TICK; t <= 20_000 && deadAt < 0; t += TICK) {
      if (m.isDead(t, 0)) deadAt = t;
      else m.handed(6); // the ping goes straight into the kernel: no backlog, no progress
    }
    expect(deadAt).toBe(6000);
  });

  it('pongs keep it alive and give a round trip', () => {
    const m = new LivenessMonitor(TIMEOUT);
    m.opened(0);
    for (let t = TICK; t <= 60_000; t += TICK) {
      expect(m.isDead(t, 0)).toBe(false);
      const seq = m.nextPing(t);
      m.pong(seq, t + 3);
    }
    expect(m.rttMs).toBe(3);
    expect(m.pongAgeMs(60_010)).toBe(7);
  });

  it('a slow link whose backlog keeps draining is alive without pongs; once it stalls it is dead', () => {
    const m = new LivenessMonitor(TIMEOUT);
    m.opened(0);
    m.handed(4_000_000);
    let buffered = 4_000_000;
    // 1 mbit/s: ~125 kB per second leave the socket buffer; the pong waits behind them
    for (let t = TICK; t <= 30_000; t += TICK) {
      buffered -= 125_000;
      expect(m.isDead(t, buffered)).toBe(false);
      m.handed(6);
      buffered += 6;
    }
    // the peer stops reading (SIGSTOP after the kernel buffers filled): nothing drains any more
    let deadAt = -1;
    for (let t = 31_000; t <= 60_000 && deadAt < 0; t += TICK) {
      if (m.isDead(t, buffered)) deadAt = t;
      m.handed(6);
      buffered += 6;
    }
    expect(deadAt).toBe(36_000);
  });
});
