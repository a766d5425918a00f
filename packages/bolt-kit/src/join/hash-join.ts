import type { JoinPlan } from './join-spec.js';

/*
 * The join of one window, pure: no tuples, no collector. A row holds one entry per input in
 * plan order (null where a left join found no match, or where the input has not joined yet).
 * Each step indexes the new input by its key and probes it with every row, so a window costs
 * O(inputs + output rows); equal keys on both sides give their cross product, as in SQL.
 */

export type JoinRow<T> = (T | null)[];

/**
 * Reads the join key `field` of `record` from input `stream`; null or undefined is a missing
 * key, which matches nothing (SQL's NULL).
 */
export type KeyReader<T> = (record: T, stream: string, field: string) => unknown;

function isMissing(key: unknown): key is null | undefined {
  return key === null || key === undefined;
}

/**
 * Joins the records of each input (by name) per `plan`. Keys are compared as `Map` keys
 * (SameValueZero: strings, numbers, booleans by value; objects by identity). Rows come out in
 * the order of the first input's records, then of each joined input's records.
 */
export function hashJoin<T>(plan: JoinPlan, inputs: ReadonlyMap<string, readonly T[]>, keyOf: KeyReader<T>): JoinRow<T>[] {
  const n = plan.streams.length;
  const position = new Map(plan.streams.map((s, i) => [s, i]));
  let rows: JoinRow<T>[] = (inputs.get(plan.streams[0]!) ?? []).map((r) => {
    const row: JoinRow<T> = new Array<T | null>(n).fill(null);
    row[0] = r;
    return row;
  });
  for (const step of plan.steps) {
    const at = position.get(step.stream)!;
    const priorAt = position.get(step.prior)!;
    const index = new Map<unknown, T[]>();
    for (const r of inputs.get(step.stream) ?? []) {
      const k = keyOf(r, step.stream, step.field);
      if (isMissing(k)) continue;
      const list = index.get(k);
      if (list === undefined) index.set(k, [r]);
      else list.push(r);
    }
    const next: JoinRow<T>[] = [];
    for (const row of rows) {
      const prior = row[priorAt]!;
      const k = prior === null ? undefined : keyOf(prior, step.prior, step.priorField);
      const matches = isMissing(k) ? undefined : index.get(k);
      if (matches === undefined) {
        if (step.kind === 'left') next.push(row);
        continue;
      }
      for (const m of matches) {
        const out = [...row];
        out[at] = m;
        next.push(out);
      }
    }
    rows = next;
  }
  return rows;
}
