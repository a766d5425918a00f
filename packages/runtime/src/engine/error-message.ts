/** A one-line message for anything thrown; never throws itself. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err); // BigInt or circular: still a message, never a second throw
  }
}
