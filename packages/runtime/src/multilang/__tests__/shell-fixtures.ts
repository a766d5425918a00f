// Shared by the multilang tests: where the fixture scripts and adapters are, and a bolt that
// records what it received (tasks are clones, so what they saw lives in a module-level map).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaseRichBolt, type OutputFieldsDeclarer, type Tuple } from '@gale/runtime';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const ADAPTER_DIR = path.resolve(__dirname, '..', '..', '..', 'multilang');

/** Options that run a Python fixture with the adapter importable. */
export function python(script: string, args: readonly string[] = [], env: Record<string, string> = {}): { command: string; args: string[]; cwd: string; env: Record<string, string> } {
  return { command: 'python3', args: ['-u', script, ...args], cwd: FIXTURES, env: { PYTHONPATH: ADAPTER_DIR, ...env } };
}

/** Options that run a Node fixture. */
export function node(script: string, args: readonly string[] = []): { command: string; args: string[]; cwd: string } {
  return { command: process.execPath, args: [script, ...args], cwd: FIXTURES };
}

/** A fresh temp dir (for the faulty bolt's markers). */
export function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'gale-multilang-test-'));
}

export interface Received {
  values: unknown[];
  task: number;
  stream: string;
}

const seen = new Map<string, Received[]>();

/** What recorder `key` received, in order. */
export function received(key: string): Received[] {
  let list = seen.get(key);
  if (list === undefined) seen.set(key, (list = []));
  return list;
}

/**
 * Records every tuple with its task and acks it; fails each value listed in `failOnce` the first
 * time it sees it (its tree fails, so the spout replays it).
 */
export class Recorder extends BaseRichBolt {
  constructor(private readonly key: string, private readonly failOnce: readonly unknown[] = []) {
    super();
  }
  declareOutputFields(_d: OutputFieldsDeclarer): void {}
  execute(t: Tuple): void {
    const list = received(this.key);
    const v = t.values[0];
    const first = !list.some((r) => r.values[0] === v);
    list.push({ values: [...t.values], task: this.context.thisTaskId, stream: t.sourceStreamId });
    if (first && this.failOnce.includes(v)) this.collector.fail(t);
    else this.collector.ack(t);
  }
}
