import type { Assignment } from './model.js';
import { parseExecutorKey } from './model.js';

/**
 * Deals executors to the same worker slots a topology already has, moving as few as it can: an
 * executor whose component kept its parallelism stays on its worker; the others (a rebalance's
 * new or re-split executors) go, one by one, to the worker with the fewest executors of that
 * component, then the fewest in all, so the changed component is spread as evenly as the
 * round-robin deal would. `slots` are `supervisor:port`, in the order of the groups returned.
 */
export function stickyGroups(
  current: Assignment, slots: readonly string[], executors: readonly string[], parallelism: Readonly<Record<string, number>>,
): string[][] {
  const groups: string[][] = slots.map(() => []);
  const slotOf = new Map<string, number>();
  current.workers.forEach((w) => {
    const i = slots.indexOf(`${w.supervisor}:${w.port}`);
    if (i >= 0) for (const e of w.executors) slotOf.set(e, i);
  });
  const moving: string[] = [];
  for (const e of executors) {
    const { component } = parseExecutorKey(e);
    const i = slotOf.get(e);
    if (i !== undefined && current.parallelism[component] === parallelism[component]) groups[i]!.push(e);
    else moving.push(e);
  }
  for (const e of moving) {
    const { component } = parseExecutorKey(e);
    const same = (g: string[]): number => g.filter((x) => parseExecutorKey(x).component === component).length;
    let best = 0;
    for (let i = 1; i < groups.length; i++) {
      const [a, b] = [groups[i]!, groups[best]!];
      if (same(a) < same(b) || (same(a) === same(b) && a.length < b.length)) best = i;
    }
    groups[best]!.push(e);
  }
  return groups;
}
