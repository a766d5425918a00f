import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * True when the `Authorization` header is `Bearer <secret>`. Both sides are hashed first, so the
 * comparison is constant-time whatever the lengths (timingSafeEqual needs equal lengths, and
 * comparing lengths first would leak the secret's).
 */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  const given = createHash('sha256').update(m?.[1]?.trim() ?? '').digest();
  const want = createHash('sha256').update(secret).digest();
  return timingSafeEqual(given, want) && m !== null;
}
