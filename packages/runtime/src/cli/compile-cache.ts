import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UncacheableError, configFilesFor, hashFile, hashListing, listingDirsFor, sha256, tsconfigChain } from './compile-cache-inputs.js';

/**
 * A cache of compiled topology bundles for `gale local`, so a rerun skips esbuild (loading it,
 * spawning its service and bundling: ~0.15–0.2 s of a run's start-up).
 *
 * An entry is found by the compile's fixed inputs (the entry file's path and real path, cwd,
 * runtime directory, gale, esbuild and Node versions) and is valid only while every file the
 * bundle was built from has the content it had then: each bundled source file (esbuild's
 * metafile), every `package.json` and `tsconfig.json` that esbuild may have read for them (the
 * ones in each source file's directory and above, present or not: one appearing invalidates
 * too) and the configs those `tsconfig.json` files extend, the listings of the directories that
 * decide which file a relative import picked (./compile-cache-inputs.ts), and every package
 * file an import resolved to (it must still exist; its content is loaded at run time, not
 * bundled). Anything else is a miss, and the caller compiles again.
 *
 * `GALE_TOPOLOGY_CACHE` names the directory (default: see {@link compileCacheDir});
 * `GALE_TOPOLOGY_CACHE=off` disables the cache.
 */

/** Bump when the bundle format or what is checked changes: older entries are then never read. */
const FORMAT = 2;

/** Entries whose manifest was not used for this long are deleted when another entry is written. */
const PRUNE_AFTER_MS = 7 * 24 * 3600_000;
/** ... but only when the directory holds more files than this (a listing, no stat, otherwise). */
const PRUNE_ABOVE_FILES = 50;

/** A log line to repeat on a hit. */
export interface CachedWarning {
  readonly msg: string;
  readonly fields: Readonly<Record<string, string | undefined>>;
}

/** What a valid entry holds. */
interface Manifest {
  readonly format: number;
  readonly key: string;
  /** Bundle file name in the cache directory. */
  readonly bundle: string;
  /** Absolute path → sha256 of its content, or null: the file did not exist. */
  readonly files: Readonly<Record<string, string | null>>;
  /** Absolute directory → hash of its resolvable names ({@link hashListing}), or null: no such directory. */
  readonly dirs: Readonly<Record<string, string | null>>;
  /** Absolute paths of the package files the bundle imports. */
  readonly externals: readonly string[];
  /** The warnings logged while compiling (esbuild's and gale's), logged again on a hit. */
  readonly warnings: readonly CachedWarning[];
}

export interface CompileCacheEntry {
  /** The bundle to import. */
  readonly bundlePath: string;
  readonly warnings: readonly CachedWarning[];
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

/**
 * Why `dir` must not be used as this user's cache, or undefined: it is safe. The bundles in it
 * are code this process will import, so the directory must be a real directory (not a
 * symlink), owned by this user and writable by nobody else. Checked with `lstat` after creating
 * it (mode 0700) if missing: a directory another user created first (the temp-dir default has a
 * predictable name) is refused, not adopted.
 */
export function unsafeCacheDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    return `cannot create it: ${(err as Error).message}`;
  }
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    return `cannot stat it: ${(err as Error).message}`;
  }
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isDirectory()) return 'it is not a directory';
  const uid = process.getuid?.();
  if (uid === undefined) return undefined; // Windows: no owner or mode bits to check.
  if (st.uid !== uid) return `it is owned by uid ${st.uid}, not ${uid}`;
  if ((st.mode & 0o022) !== 0) return `it is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

/** The entry's name for the compile's fixed inputs (any JSON-able description of them). */
export function compileCacheKey(inputs: unknown): string {
  return sha256(JSON.stringify({ format: FORMAT, inputs })).slice(0, 32);
}

/** The valid entry for `key` in `dir`, or undefined (missing, unreadable or stale). A hit marks the entry used. */
export function readCompileCache(dir: string, key: string): CompileCacheEntry | undefined {
  const manifestPath = path.join(dir, `${key}.json`);
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (m.format !== FORMAT || m.key !== key) return undefined;
  for (const [file, hash] of Object.entries(m.files)) if (hashFile(file) !== hash) return undefined;
  for (const [d, hash] of Object.entries(m.dirs)) if (hashListing(d) !== hash) return undefined;
  for (const file of m.externals) if (!existsSync(file)) return undefined;
  const bundlePath = path.join(dir, m.bundle);
  if (!existsSync(bundlePath)) return undefined;
  try {
    const now = new Date();
    utimesSync(manifestPath, now, now); // used: not pruned for another PRUNE_AFTER_MS
  } catch {
    // Best effort: at worst the entry is pruned and compiled again.
  }
  return { bundlePath, warnings: m.warnings };
}

/** The manifest's record of a compile's inputs; throws {@link UncacheableError} when they cannot be recorded. */
function recordInputs(sources: readonly string[]): Pick<Manifest, 'files' | 'dirs'> {
  const files: Record<string, string | null> = {};
  const dirs: Record<string, string | null> = {};
  for (const src of sources) {
    files[src] = hashFile(src);
    for (const cfg of configFilesFor(src)) {
      if (cfg in files) continue;
      files[cfg] = hashFile(cfg);
      if (path.basename(cfg) === 'tsconfig.json') for (const f of tsconfigChain(cfg)) if (!(f in files)) files[f] = hashFile(f);
    }
    for (const d of listingDirsFor(src)) if (!(d in dirs)) dirs[d] = hashListing(d);
  }
  return { files, dirs };
}

/**
 * Stores a compile's output under `key`; best effort (a cache that cannot be written is
 * skipped, and leaves no temporary file behind). `sources` are the bundled files (absolute),
 * `externals` the package files imported. Both files are written to temporary names and
 * renamed, so a concurrent reader sees a whole entry or none; the manifest goes last.
 * Returns why nothing was stored, or undefined.
 */
export function writeCompileCache(dir: string, key: string, code: Uint8Array, sources: readonly string[], externals: readonly string[],
  warnings: readonly CachedWarning[]): string | undefined {
  const tmp = `.${process.pid}-${Date.now()}.tmp`;
  const bundle = `${key}-${sha256(Buffer.from(code)).slice(0, 16)}.mjs`;
  const manifestPath = path.join(dir, `${key}.json`);
  let previous: string | undefined;
  try {
    const inputs = recordInputs(sources);
    pruneCompileCache(dir);
    writeFileSync(path.join(dir, bundle + tmp), code);
    renameSync(path.join(dir, bundle + tmp), path.join(dir, bundle));
    try {
      previous = (JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>).bundle;
    } catch {
      previous = undefined;
    }
    const manifest: Manifest = { format: FORMAT, key, bundle, ...inputs, externals: [...new Set(externals)], warnings };
    writeFileSync(manifestPath + tmp, JSON.stringify(manifest));
    renameSync(manifestPath + tmp, manifestPath);
  } catch (err) {
    // No manifest may refer to the new bundle now (ours is removed too: it may be half written).
    for (const f of [path.join(dir, bundle + tmp), manifestPath + tmp, manifestPath, ...(previous === bundle ? [] : [path.join(dir, bundle)])]) {
      try {
        rmSync(f, { force: true });
      } catch {
        // Nothing more to do: the next run compiles.
      }
    }
    return err instanceof UncacheableError ? err.message : `cannot write it: ${(err as Error).message}`;
  }
  // The superseded bundle of this entry (its sources changed): entries do not pile up.
  if (typeof previous === 'string' && previous !== bundle && !previous.includes('/') && !previous.includes('\\')) {
    rmSync(path.join(dir, previous), { force: true });
  }
  return undefined;
}

/**
 * Deletes the entries (manifest and bundle) not used for {@link PRUNE_AFTER_MS} (a hit touches
 * the manifest), and bundles and temporary files of that age no manifest refers to, when the
 * directory holds more than {@link PRUNE_ABOVE_FILES} files. Called when an entry is written
 * (at most once a run: a run writes at most one entry). Best effort.
 */
export function pruneCompileCache(dir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (names.length <= PRUNE_ABOVE_FILES) return;
  const old = (f: string): boolean => {
    try {
      return now - statSync(path.join(dir, f)).mtimeMs > PRUNE_AFTER_MS;
    } catch {
      return false;
    }
  };
  const remove = (f: string): void => {
    try {
      rmSync(path.join(dir, f), { force: true });
    } catch {
      // Left for a later prune.
    }
  };
  const kept = new Set<string>();
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    let bundle: unknown;
    try {
      bundle = (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as Partial<Manifest>).bundle;
    } catch {
      bundle = undefined;
    }
    if (!old(name)) {
      if (typeof bundle === 'string') kept.add(bundle);
      continue;
    }
    remove(name);
  }
  for (const name of names) if ((name.endsWith('.mjs') || name.endsWith('.tmp')) && !kept.has(name) && old(name)) remove(name);
}
