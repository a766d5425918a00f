/**
 * Reading validated JSON records from znodes, shared by the record stores: one record, an optional
 * one, or every child of a directory (with the bad ones reported apart, so one corrupt record
 * never hides the others from a reader such as the leader).
 */
import type { Versioned } from './records.js';
import type { ZkClient } from './zk-client.js';
import { ZkError } from './zk-errors.js';
import type { ZkWatcher } from './zk-types.js';
import { decodeJson } from './znode-data.js';

export type Validate<T> = (path: string, value: unknown, name: string) => T;

/** Every readable record of a directory, and the errors of those that are not (GALE_ERR_ZK_BAD_DATA). */
export interface ReadAll<T> {
  readonly entries: Map<string, Versioned<T>>;
  readonly bad: ZkError[];
}

export function isZkCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof ZkError && codes.includes(err.code);
}

/** The record at `path` (GALE_ERR_ZK_NO_NODE if missing, GALE_ERR_ZK_BAD_DATA if invalid). */
export async function readRecord<T>(client: ZkClient, path: string, name: string, validate: Validate<T>, watcher?: ZkWatcher): Promise<Versioned<T>> {
  const { data, version } = await client.getData(path, watcher);
  return { value: validate(path, decodeJson(path, data), name), version };
}

/** Like {@link readRecord}, undefined when the znode does not exist. */
export async function readOptional<T>(client: ZkClient, path: string, name: string, validate: Validate<T>, watcher?: ZkWatcher): Promise<Versioned<T> | undefined> {
  try {
    return await readRecord(client, path, name, validate, watcher);
  } catch (err) {
    if (isZkCode(err, 'GALE_ERR_ZK_NO_NODE')) return undefined;
    throw err;
  }
}

/** Children of `dir` (empty if `dir` does not exist), sorted. */
export async function childNames(client: ZkClient, dir: string, watcher?: ZkWatcher): Promise<string[]> {
  try {
    return (await client.getChildren(dir, watcher)).sort();
  } catch (err) {
    if (isZkCode(err, 'GALE_ERR_ZK_NO_NODE')) return [];
    throw err;
  }
}

/**
 * Reads every child of `dir`; children removed meanwhile are skipped. `pathOf` returns undefined
 * for a child name that cannot be a record (reported as bad data).
 */
export async function readAll<T>(
  client: ZkClient, dir: string, pathOf: (child: string) => string, validate: Validate<T>, watcher?: ZkWatcher,
): Promise<ReadAll<T>> {
  const entries = new Map<string, Versioned<T>>();
  const bad: ZkError[] = [];
  for (const child of await childNames(client, dir, watcher)) {
    try {
      const r = await readOptional(client, pathOf(child), child, validate, watcher);
      if (r !== undefined) entries.set(child, r);
    } catch (err) {
      if (!isZkCode(err, 'GALE_ERR_ZK_BAD_DATA', 'GALE_ERR_ZK_BAD_NAME')) throw err;
      bad.push(err as ZkError);
    }
  }
  return { entries, bad };
}
