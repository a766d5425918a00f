// The batch computation rolling-top-users' output is checked against, and a reader of that output,
// shared by its local test and its cluster test (test/cluster/rolling-top-users-deploy.test.ts).
import { readFileSync } from 'node:fs';
import type { Visit } from '../rolling-top-users.js';

/** One line of the output: a window and its top users. */
export interface WindowTop {
  windowStart: number;
  windowEnd: number;
  top: [string, number][];
}

/** Every sliding window [end - windowMs, end) with end a multiple of slideMs holding a visit, and its top n. */
export function batchTops(all: readonly Visit[], windowMs: number, slideMs: number, n: number): WindowTop[] {
  const ends = new Set<number>();
  for (const v of all) {
    for (let end = Math.floor(v.ts / slideMs) * slideMs + slideMs; end <= v.ts + windowMs; end += slideMs) ends.add(end);
  }
  return [...ends].sort((a, b) => a - b).map((end) => {
    const counts = new Map<string, number>();
    for (const v of all) if (v.ts >= end - windowMs && v.ts < end) counts.set(v.userId, (counts.get(v.userId) ?? 0) + 1);
    const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
    return { windowStart: end - windowMs, windowEnd: end, top };
  });
}

/** The windows the sink wrote, by end (none while the file is missing). */
export function fileTops(output: string): WindowTop[] {
  let text: string;
  try {
    text = readFileSync(output, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as WindowTop).sort((a, b) => a.windowEnd - b.windowEnd);
}
