/**
 * The worker's end of the hop trace (hop-trace.ts): `GALE_HOP_TRACE=<dir>` in a worker's
 * environment starts it when the worker starts, with the system's monotonic clock (process.hrtime,
 * the same clock in every process of the machine, so stamps of two workers compare). Besides the
 * hops of sampled trees it records this process's GC pauses and, every 100 ms, the event loop's
 * delay (p99 and max of the interval). When the worker stops, the stamps are written to
 * `<dir>/hops-<pid>.f64` (float64 triples `[hop, root or value, ms]`); bench/hop-report.mjs joins
 * the files of a run. `GALE_HOP_TRACE_SAMPLE` (a power of two, default 16) samples 1 root in that
 * many; `GALE_HOP_TRACE_STAMPS` (default 2,000,000) bounds the stamps kept (24 bytes each).
 * Off (the default), nothing here runs and each hop costs one property read.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { Hop, startHopTrace, stampEvent, stopHopTrace } from '../hop-trace.js';
import type { Logger } from '../log.js';

const LOOP_SAMPLE_MS = 100;

function hrNow(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/** Starts the trace when `env.GALE_HOP_TRACE` names a directory; returns what writes it out (once), else undefined. */
export function startHopTraceFromEnv(env: NodeJS.ProcessEnv, log: Logger): (() => void) | undefined {
  const dir = env.GALE_HOP_TRACE;
  if (dir === undefined || dir === '') return undefined;
  const sample = Number(env.GALE_HOP_TRACE_SAMPLE ?? 16);
  const stamps = Number(env.GALE_HOP_TRACE_STAMPS ?? 2_000_000);
  if (!Number.isInteger(sample) || sample < 1 || (sample & (sample - 1)) !== 0 || !Number.isInteger(stamps) || stamps < 1) {
    log.warn({ sample, stamps }, 'GALE_HOP_TRACE_SAMPLE must be a power of two and GALE_HOP_TRACE_STAMPS a positive integer; hop trace off');
    return undefined;
  }
  startHopTrace(hrNow, stamps, sample - 1);
  // performance.now() and process.hrtime() are both monotonic: one offset maps the first onto the second.
  const offset = hrNow() - performance.now();
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) stampEvent(Hop.GC, e.duration, e.startTime + offset);
  });
  gc.observe({ entryTypes: ['gc'] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const sampler = setInterval(() => {
    const t = hrNow();
    stampEvent(Hop.LOOP_DELAY_P99, loop.percentile(99) / 1e6, t);
    stampEvent(Hop.LOOP_DELAY_MAX, loop.max / 1e6, t);
    loop.reset();
  }, LOOP_SAMPLE_MS);
  sampler.unref();
  let written = false;
  return () => {
    if (written) return;
    written = true;
    clearInterval(sampler);
    loop.disable();
    gc.disconnect();
    const taken = stopHopTrace();
    const file = join(dir, `hops-${process.pid}.f64`);
    try {
      writeFileSync(file, new Uint8Array(taken.buffer, taken.byteOffset, taken.byteLength));
      log.info({ file, stamps: taken.length / 3 }, 'hop trace written');
    } catch (err) {
      log.warn({ file, err: (err as Error).message }, 'hop trace not written');
    }
  };
}
