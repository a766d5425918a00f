import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Topology } from '../api/builder.js';
import { ParamSet } from '../api/params.js';
import { withSubmitOverrides } from '../api/submit-overrides.js';
import { GaleError } from '../errors.js';
import type { TopologyRecord } from './model.js';

/** A worker could not start or run its assignment (bad bundle, not assigned, topology killed). */
export class WorkerError extends GaleError {}

/**
 * Makes `import '@gale/runtime'` inside a bundle resolve to this installation: a
 * `node_modules/@gale` link next to the bundle pointing at the scope directory.
 */
export function linkGaleScope(bundlePath: string, galeScopeDir: string): void {
  const nm = path.join(path.dirname(bundlePath), 'node_modules');
  const link = path.join(nm, '@gale');
  if (existsSync(link)) return;
  mkdirSync(nm, { recursive: true });
  try {
    symlinkSync(galeScopeDir, link, 'dir');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

/** Imports a verified topology bundle and builds its topology with the deployed parameters. */
export async function loadBundle(bundle: { bundlePath: string; galeScopeDir: string }, record: TopologyRecord): Promise<Topology> {
  linkGaleScope(bundle.bundlePath, bundle.galeScopeDir);
  const mod = (await import(pathToFileURL(bundle.bundlePath).href)) as { default?: unknown };
  const def = mod.default;
  // build() judges the window limits by the config the deploy recorded (the --set overrides that
  // `gale deploy` checked), not by the code's own config alone.
  const built = typeof def === 'function'
    ? await withSubmitOverrides({ config: record.config, origin: ', deployed config' }, async () => await (def as (p: ParamSet) => unknown)(new ParamSet(record.params)))
    : def;
  const t = built as Partial<Topology> | undefined;
  if (t === undefined || t === null || typeof t.name !== 'string' || !(t.components instanceof Map)) {
    throw new WorkerError('GALE_ERR_BAD_BUNDLE', `the bundle of topology "${record.name}" (${record.source}) did not produce a topology`);
  }
  return t as Topology;
}
