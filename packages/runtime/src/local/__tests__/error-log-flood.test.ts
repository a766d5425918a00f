import { Writable } from 'node:stream';
import pino from 'pino';
import { BaseBasicBolt, BaseRichSpout, LocalCluster, TopologyBuilder, type OutputFieldsDeclarer } from '@gale/runtime';
import { LOG_RATE_LIMIT, LOG_RATE_WINDOW_MS } from '../../engine/log-rate-limit.js';
import { rootLog } from '../../log.js';

class Endless extends BaseRichSpout {
  private seq = 0;
  declareOutputFields(d: OutputFieldsDeclarer): void {
    d.declare(['n']);
  }
  nextTuple(): void {
    this.seq++;
    this.collector.emit([this.seq], this.seq);
  }
}

class Emfile extends BaseBasicBolt {
  declareOutputFields(): void {}
  execute(): void {
    throw new Error('EMFILE: too many open files, open \'/var/out/sink.log\'');
  }
}

interface Line {
  msg: string;
  component?: string;
  suppressed?: number;
}

describe('local mode: a sink failing every tuple', () => {
  it('writes a bounded number of log lines with the suppressed count, and counts every error', async () => {
    // The LocalCluster logs through rootLog.child(): point that child at a pino logger writing here.
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done): void {
        for (const l of chunk.toString('utf8').split('\n')) if (l !== '') lines.push(JSON.parse(l) as Line);
        done();
      },
    });
    const capture = pino<string>({ level: 'info' }, sink);
    const child = jest.spyOn(rootLog, 'child').mockReturnValue(capture);
    const cluster = new LocalCluster();
    try {
      const b = new TopologyBuilder();
      b.setSpout('s', new Endless());
      b.setBolt('sink', new Emfile()).shuffleGrouping('s');
      const startedAt = Date.now();
      const t = await cluster.submit(b.build({ name: 'flood' }));
      const deadline = Date.now() + 20_000;
      // Wait for logging to resume in a later window: its first line reports the suppressed count.
      while (!lines.some((l) => (l.suppressed ?? 0) > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await cluster.kill('flood', 0);
      const elapsedMs = Date.now() - startedAt;

      const errorLines = lines.filter((l) => l.msg === 'component error');
      const errors = t.stats().find((s) => s.component === 'sink')!.errors;
      const reported = errorLines.reduce((a, l) => a + (l.suppressed ?? 0), 0);
      expect(reported).toBeGreaterThan(0);
      expect(errors).toBeGreaterThan(errorLines.length + reported - 1);
      expect(errorLines.length).toBeLessThanOrEqual(LOG_RATE_LIMIT * (Math.floor(elapsedMs / LOG_RATE_WINDOW_MS) + 1));
      expect(errors).toBeGreaterThan(10 * errorLines.length); // without the limit there would be one line per error
      expect(errorLines.every((l) => l.component === 'sink')).toBe(true);
    } finally {
      child.mockRestore();
      await cluster.shutdown(0);
    }
  });
});
