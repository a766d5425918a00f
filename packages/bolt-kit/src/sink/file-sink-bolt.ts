import { BaseBasicBolt, type OutputFieldsDeclarer, type TopologyContext, type Tuple } from '@gale/runtime';
import { assertSingleTask, badOption } from '../errors.js';
import { writeLinesAtomic } from './atomic-write.js';

/** Options of {@link FileSinkBolt}. */
export interface FileSinkBoltOptions {
  /** Output file, written once in `cleanup()`. */
  path: string;
  /** One line of output (without `\n`) for a tuple's values. Default: values joined by tabs (objects as JSON). */
  format?: (values: readonly unknown[]) => string;
}

/** Default {@link FileSinkBoltOptions.format}: tab-separated, objects as JSON. */
export function formatTabSeparated(values: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += '\t';
    out += typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
  }
  return out;
}

/**
 * Collects one formatted line per input tuple, in arrival order, and writes them all to
 * `path` when the topology shuts down (`cleanup()`), atomically: a temporary file in the same
 * directory renamed over `path`. Declares no output. Must run as a single task (subscribe with
 * `globalGrouping`); `prepare()` throws `GALE_ERR_SINGLE_TASK_ONLY` otherwise. A failed write
 * is a {@link FileWriteError} (`GALE_ERR_FILE_WRITE`), reported by the engine. Tick tuples are ignored.
 *
 * ```ts
 * builder.setBolt('out', new FileSinkBolt({ path: 'out.tsv' })).globalGrouping('count');
 * ```
 */
export class FileSinkBolt extends BaseBasicBolt {
  private readonly path: string;
  private readonly format: (values: readonly unknown[]) => string;
  private lines: string[] | undefined;

  constructor(options: FileSinkBoltOptions) {
    super();
    if (typeof options?.path !== 'string' || options.path === '') throw badOption(`FileSinkBolt needs { path: string }, got path ${JSON.stringify(options?.path)}`);
    if (options.format !== undefined && typeof options.format !== 'function') throw badOption('FileSinkBolt format must be a function (values) => string');
    this.path = options.path;
    this.format = options.format ?? formatTabSeparated;
  }

  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}

  override prepare(context: TopologyContext): void {
    super.prepare(context);
    assertSingleTask(context, 'FileSinkBolt');
    this.lines = [];
  }

  execute(tuple: Tuple): void {
    if (tuple.isTick()) return;
    this.lines!.push(this.format(tuple.values));
  }

  /** Writes the file (once; later calls do nothing). Nothing is written if `prepare()` never ran. */
  override async cleanup(): Promise<void> {
    const lines = this.lines;
    if (lines === undefined) return;
    this.lines = undefined;
    await writeLinesAtomic(this.path, lines);
  }
}
