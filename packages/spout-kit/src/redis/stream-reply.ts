import { RedisCommandError } from '@gale/runtime';

/** One stream entry as read: its id and its fields, or `null` fields for an entry deleted (XDEL, trimmed) while pending. */
export interface StreamEntry {
  readonly id: string;
  readonly fields: Readonly<Record<string, string>> | null;
}

function malformed(command: string, what: string): RedisCommandError {
  return new RedisCommandError(command, `${command} returned a malformed reply (${what})`);
}

function parseEntry(command: string, raw: unknown): StreamEntry {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[0] !== 'string') throw malformed(command, 'an entry is not [id, fields]');
  const id = raw[0];
  const flat: unknown = raw[1];
  if (flat === null) return { id, fields: null };
  if (!Array.isArray(flat) || flat.length % 2 !== 0) throw malformed(command, `entry ${id} has no field/value list`);
  const fields: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const k: unknown = flat[i];
    const v: unknown = flat[i + 1];
    if (typeof k !== 'string' || typeof v !== 'string') throw malformed(command, `entry ${id} has a non-string field`);
    fields[k] = v;
  }
  return { id, fields };
}

function parseEntries(command: string, raw: unknown): StreamEntry[] {
  if (raw === null) return [];
  if (!Array.isArray(raw)) throw malformed(command, 'entries are not a list');
  return raw.map((e) => parseEntry(command, e));
}

/**
 * The entries of `key` in an XREADGROUP/XREAD reply: `null` (nothing within the block time), the
 * RESP2 shape `[[key, entries], ...]`, or a RESP3 map as ioredis flattens it, `[key, entries, ...]`.
 */
export function parseReadReply(raw: unknown, key: string): StreamEntry[] {
  if (raw === null || raw === undefined) return [];
  if (!Array.isArray(raw)) throw malformed('XREADGROUP', 'not a list');
  if (raw.length === 0) return [];
  if (typeof raw[0] === 'string') {
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i] === key) return parseEntries('XREADGROUP', raw[i + 1]);
    return [];
  }
  for (const pair of raw) {
    if (!Array.isArray(pair) || pair.length !== 2) throw malformed('XREADGROUP', 'a stream is not [key, entries]');
    if (pair[0] === key) return parseEntries('XREADGROUP', pair[1]);
  }
  return [];
}

/** An XAUTOCLAIM reply: the cursor to continue from (`0-0`: scan done), the claimed entries and (Redis ≥ 7) the ids of deleted entries. */
export interface AutoClaimReply {
  readonly cursor: string;
  readonly entries: StreamEntry[];
  readonly deleted: string[];
}

export function parseAutoClaimReply(raw: unknown): AutoClaimReply {
  if (!Array.isArray(raw) || raw.length < 2 || typeof raw[0] !== 'string') throw malformed('XAUTOCLAIM', 'not [cursor, entries, deleted]');
  const deletedRaw: unknown = raw[2] ?? [];
  if (!Array.isArray(deletedRaw) || !deletedRaw.every((d) => typeof d === 'string')) throw malformed('XAUTOCLAIM', 'deleted ids are not strings');
  // Entries deleted while pending come back as [id, null] before Redis 7 instead of in `deleted`.
  const entries = parseEntries('XAUTOCLAIM', raw[1]);
  return {
    cursor: raw[0],
    entries: entries.filter((e) => e.fields !== null),
    deleted: [...(deletedRaw as string[]), ...entries.filter((e) => e.fields === null).map((e) => e.id)],
  };
}
