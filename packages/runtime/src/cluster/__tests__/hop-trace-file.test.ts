import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hop, hopTrace, sampledRoot, stampHop } from '../../hop-trace.js';
import { rootLog } from '../../log.js';
import { startHopTraceFromEnv } from '../hop-trace-file.js';

const log = rootLog.child({ test: 'hop-trace-file' });
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gale-hops-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function read(): Float64Array {
  const files = readdirSync(dir);
  expect(files).toEqual([`hops-${process.pid}.f64`]);
  const b = readFileSync(join(dir, files[0]!));
  return new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
}

describe('the worker hop trace (GALE_HOP_TRACE)', () => {
  it('is off without the variable: nothing is started and no hop is stamped', () => {
    expect(startHopTraceFromEnv({}, log)).toBeUndefined();
    expect(hopTrace.on).toBe(false);
  });

  it('refuses a sample rate that is not a power of two (and stays off)', () => {
    expect(startHopTraceFromEnv({ GALE_HOP_TRACE: dir, GALE_HOP_TRACE_SAMPLE: '10' }, log)).toBeUndefined();
    expect(hopTrace.on).toBe(false);
  });

  it('stamps 1 root in GALE_HOP_TRACE_SAMPLE, at most GALE_HOP_TRACE_STAMPS, and writes them once as float64 triples', () => {
    const write = startHopTraceFromEnv({ GALE_HOP_TRACE: dir, GALE_HOP_TRACE_SAMPLE: '4', GALE_HOP_TRACE_STAMPS: '5' }, log)!;
    expect(hopTrace.on).toBe(true);
    // 0, 6 and 7 sampled: the low 2 bits of their mix are clear (hop-trace.ts sampledRoot)
    for (let root = 0; root < 8; root++) stampHop(Hop.EMIT, root);
    expect(Array.from({ length: 8 }, (_, r) => r).filter(sampledRoot)).toEqual([0, 6, 7]);
    stampHop(Hop.COMPLETE, 7);
    stampHop(Hop.COMPLETE, 6);
    stampHop(Hop.COMPLETE, 0); // over the bound of 5: dropped
    write();
    write();
    expect(hopTrace.on).toBe(false);
    const a = read();
    const rows = [];
    for (let i = 0; i < a.length; i += 3) rows.push([a[i], a[i + 1]]);
    expect(rows).toEqual([[Hop.EMIT, 0], [Hop.EMIT, 6], [Hop.EMIT, 7], [Hop.COMPLETE, 7], [Hop.COMPLETE, 6]]);
    // times on one monotonic clock, in stamping order
    const times = [a[2]!, a[5]!, a[8]!, a[11]!, a[14]!];
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });
});
