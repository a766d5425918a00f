import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes every crash file of `topology` under `dir` (a supervisor's `crash-counts/`): each slot's
 * crash counts `<topology>@<port>.json` (crash-store.ts), its journal `<topology>@<port>.journal`
 * (crash-journal-file.ts), the per-topology counts of older versions, `<topology>.json`, and
 * what a save cut short left of them. Once
 * the topology is killed they describe a run that is over: a later deploy of the same name must not
 * start with its messages' crash counts, or charge what its last launch was executing. Returns the
 * names removed; a missing directory removes nothing.
 */
export async function removeCrashFiles(dir: string, topology: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  // Names have no '@' (coord/names.ts): `<topology>@` is this topology's alone. A save cut short leaves `<file>.<pid>.tmp`.
  const mine = names.filter((n) => n.startsWith(topology) && /^(@\d+\.(json|journal)|\.json)(\.\d+\.tmp)?$/.test(n.slice(topology.length)));
  await Promise.all(mine.map((n) => rm(path.join(dir, n), { force: true })));
  return mine;
}
