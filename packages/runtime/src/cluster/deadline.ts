/**
 * Waits for `work` (errors ignored) for at most `ms`: true when it all settled in time. For
 * best-effort cleanup on the way out (ZooKeeper calls while ZooKeeper may be unreachable), where
 * waiting out each call's own timeout would make a stop take minutes.
 */
export async function withDeadline(work: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([Promise.allSettled(work).then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
