import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A cache of compiled topology bundles for `gale local`, so a rerun skips esbuild (loading it,
 * spawning its service and bundling: ~0.15–0.2 s of a run's start-up).
 *
 * An entry is found by the compile's fixed inputs (the entry file's path, cwd, runtime
 * directory, gale and esbuild versions, the options) and is valid only while every file the
 * bundle was built from has the content it had then: each bundled source file (esbuild's
 * metafile), every `package.json` and `tsconfig.json` that esbuild may have read for them (the
 * ones in each source file's directory and above, present or not: one appearing invalidates
 * too), and every package file an import resolved to (it must still exist; its content is
 * loaded at run time, not bundled). Anything else is a miss, and the caller compiles again.
 *
 * `GALE_TOPOLOGY_CACHE` names the directory (default: see {@link compileCacheDir});
 * `GALE_TOPOLOGY_CACHE=off` disables the cache.
 */

/** Bump when the bundle format or what is checked changes: older entries are then never read. */
const FORMAT = 1;

/** What a valid entry holds. */
interface Manifest {
  readonly format: number;
  readonly key: string;
  /** Bundle file name in the cache directory. */
  readonly bundle: string;
  /** Absolute path → sha256 of its content, or null: the file did not exist. */
  readonly files: Readonly<Record<string, string | null>>;
  /** Absolute paths of the package files the bundle imports. */
  readonly externals: readonly string[];
  /** esbuild's warnings of the compile, logged again on a hit. */
  readonly warnings: readonly { readonly where: string | undefined; readonly text: string }[];
}

export interface CompileCacheEntry {
  /** The bundle to import. */
  readonly bundlePath: string;
  readonly warnings: Manifest['warnings'];
}

/**
 * The cache directory from the environment, or undefined when disabled. The default is per
 * user (the bundles are code this user will run): `$XDG_CACHE_HOME/gale/topologies`, else
 * `~/.cache/gale/topologies`, else `<os.tmpdir()>/gale-topology-cache-<uid>`.
 */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const v = env.GALE_TOPOLOGY_CACHE;
  if (v === 'off') return undefined;
  if (v !== undefined && v !== '') return path.resolve(v);
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return path.join(xdg, 'gale', 'topologies');
  const home = env.HOME;
  if (home !== undefined && path.isAbsolute(home)) return path.join(home, '.cache', 'gale', 'topologies');
  return path.join(tmpdir(), `gale-topology-cache-${process.getuid?.() ?? 'user'}`);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hashFile(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

/** The entry's name for the compile's fixed inputs (any JSON-able description of them). */
export function compileCacheKey(inputs: unknown): string {
  return sha256(JSON.stringify({ format: FORMAT, inputs })).slice(0, 32);
}

/** The valid entry for `key` in `dir`, or undefined (missing, unreadable or stale). */
export function readCompileCache(dir: string, key: string): CompileCacheEntry | undefined {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(path.join(dir, `${key}.json`), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (m.format !== FORMAT || m.key !== key) return undefined;
  for (const [file, hash] of Object.entries(m.files)) if (hashFile(file) !== hash) return undefined;
  for (const file of m.externals) if (!existsSync(file)) return undefined;
  const bundlePath = path.join(dir, m.bundle);
  if (!existsSync(bundlePath)) return undefined;
  return { bundlePath, warnings: m.warnings };
}

/** The `package.json` and `tsconfig.json` paths esbuild may read for `sourceFile`. */
function configFilesFor(sourceFile: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(sourceFile); ; dir = path.dirname(dir)) {
    out.push(path.join(dir, 'package.json'), path.join(dir, 'tsconfig.json'));
    if (path.dirname(dir) === dir) return out;
  }
}

/**
 * Stores a compile's output under `key`; best effort (a cache that cannot be written is
 * skipped). `sources` are the bundled files (absolute), `externals` the package files imported.
 * Both files are written to temporary names and renamed, so a concurrent reader sees a whole
 * entry or none; the manifest goes last.
 */
export function writeCompileCache(dir: string, key: string, code: Uint8Array, sources: readonly string[], externals: readonly string[],
  warnings: Manifest['warnings']): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files: Record<string, string | null> = {};
    for (const src of sources) {
      files[src] = hashFile(src);
      for (const cfg of configFilesFor(src)) if (!(cfg in files)) files[cfg] = hashFile(cfg);
    }
    const bundle = `${key}-${sha256(Buffer.from(code)).slice(0, 16)}.mjs`;
    const tmp = `.${process.pid}-${Date.now()}`;
    writeFileSync(path.join(dir, bundle + tmp), code);
    renameSync(path.join(dir, bundle + tmp), path.join(dir, bundle));
    const manifestPath = path.join(dir, `${key}.json`);
    let previous: string | undefined;
    try {
      previous = (JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>).bundle;
    } catch {
      previous = undefined;
    }
    const manifest: Manifest = { format: FORMAT, key, bundle, files, externals: [...new Set(externals)], warnings };
    writeFileSync(path.join(dir, `${key}.json${tmp}`), JSON.stringify(manifest));
    renameSync(path.join(dir, `${key}.json${tmp}`), manifestPath);
    // The superseded bundle of this entry (its sources changed): entries do not pile up.
    if (typeof previous === 'string' && previous !== bundle && !previous.includes('/') && !previous.includes('\\')) {
      rmSync(path.join(dir, previous), { force: true });
    }
  } catch {
    try {
      rmSync(path.join(dir, `${key}.json`), { force: true });
    } catch {
      // Nothing more to do: the next run compiles.
    }
  }
}
