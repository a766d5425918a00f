import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildOptions, Message, Metafile, Plugin } from 'esbuild';
import type { Logger } from '../log.js';
import { compileCacheKey, readCompileCache, unsafeCacheDir, writeCompileCache, type CachedWarning } from './compile-cache.js';
import { missingExportError } from './missing-export.js';
import { shownPath } from './shown-path.js';
import { CliUsageError } from './usage-error.js';
import { YAML_EXTENSIONS, yamlResolveError, type YamlEntry } from './yaml-entry.js';

/**
 * Compiles a topology file with esbuild into one temporary ESM file and imports it.
 *
 * The topology's own files are bundled (so TypeScript needs no build step). Packages are NOT
 * bundled: `@gale/runtime`, `@gale/spout-kit` and `@gale/bolt-kit` must be the very module
 * instances the CLI runs (the engine checks `instanceof FailedException`, kits extend runtime
 * classes), and other packages keep working from where they are installed. Both become
 * imports of absolute file URLs, resolved from the topology file's directory.
 */

export const TOPOLOGY_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.js', '.mjs'];

export interface LoadTopologyOptions {
  /** The topology file as the user typed it (used in messages). */
  readonly file: string;
  readonly cwd: string;
  /** Directory of the @gale/runtime package the CLI runs from. */
  readonly runtimeDir: string;
  readonly log: Logger;
  /** For a YAML topology: the generated entry module compiled in place of the file (./yaml-entry.ts). */
  readonly entry?: YamlEntry;
  /**
   * Directory of the compiled-bundle cache (./compile-cache.ts), or undefined: compile every
   * time. Not used for YAML entries or `gale deploy` bundles.
   */
  readonly cacheDir?: string;
}

export interface LoadedModule {
  readonly path: string;
  readonly exports: Readonly<Record<string, unknown>>;
}

const GALE_PACKAGES: Readonly<Record<string, string>> = {
  '@gale/runtime': 'runtime',
  '@gale/spout-kit': 'spout-kit',
  '@gale/bolt-kit': 'bolt-kit',
};

/** Set on our own `build.resolve` calls so the plugin does not resolve itself forever. */
const RESOLVING = Symbol('gale.resolving');

/** Bare specifiers (`pkg`, `@scope/pkg/sub`), not relative or absolute paths. */
const BARE = /^[^./]|^\.[^./]|^\.\.[^/]/;

/** Loads of the process so far: each import of a cached bundle gets a fresh module instance. */
let loads = 0;

export async function loadTopologyModule(opts: LoadTopologyOptions): Promise<LoadedModule> {
  const abs = checkTopologyFile(opts);
  try {
    if (opts.cacheDir !== undefined && opts.entry === undefined) return await loadCached(abs, opts.cacheDir, opts);
    return await loadUncached(abs, opts);
  } catch (err) {
    // An import of a name its package does not export: a load error at the import's line (missing-export.ts).
    throw (await missingExportError(err, abs, opts.runtimeDir, opts.cwd)) ?? err;
  }
}

/** Compiles in memory and imports the bundle from a temporary file. */
async function loadUncached(abs: string, opts: LoadTopologyOptions): Promise<LoadedModule> {
  const out = tempBundlePath(abs);
  const result = await compile(abs, out, opts, {});
  return { path: abs, exports: await importTemporary(out, result.outputFiles![0]!.contents) };
}

function tempBundlePath(abs: string): string {
  const base = path.basename(abs, path.extname(abs)).replace(/[^A-Za-z0-9_-]/g, '_');
  return path.join(tmpdir(), `gale-${base}-${process.pid}-${randomBytes(4).toString('hex')}.mjs`);
}

/** Imports `code` from the temporary file `out`, deleted after the import. */
async function importTemporary(out: string, code: Uint8Array): Promise<Record<string, unknown>> {
  try {
    await writeFile(out, code);
    enableSourceMaps();
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    await rm(out, { force: true });
  }
}

/**
 * {@link loadTopologyModule} through the compile cache: a valid entry is imported without
 * loading esbuild; otherwise the file is compiled in memory, stored, and the stored bundle
 * imported (a temporary file if the cache cannot be used or written).
 */
async function loadCached(abs: string, cacheDir: string, opts: LoadTopologyOptions): Promise<LoadedModule> {
  const uncached = (): Promise<LoadedModule> => loadUncached(abs, opts);
  const unsafe = unsafeCacheDir(cacheDir);
  if (unsafe !== undefined) {
    opts.log.warn({ dir: cacheDir, reason: unsafe }, 'topology compile cache not used');
    return uncached();
  }
  let key: string;
  try {
    key = compileCacheKey({ entry: abs, real: realpathSync(abs), cwd: path.resolve(opts.cwd), runtimeDir: path.resolve(opts.runtimeDir), node: process.version, versions: toolVersions(opts.runtimeDir) });
  } catch (err) {
    opts.log.debug({ err: (err as Error).message }, 'topology compile cache not used: no key');
    return uncached();
  }
  const hit = readCompileCache(cacheDir, key);
  if (hit !== undefined) {
    opts.log.debug({ path: abs, bundle: hit.bundlePath }, 'topology compile cache hit');
    const exports = await importCachedBundle(hit.bundlePath);
    if (exports !== undefined) {
      for (const w of hit.warnings) opts.log.warn(w.fields, w.msg);
      return { path: abs, exports };
    }
    opts.log.debug({ bundle: hit.bundlePath }, 'cached topology bundle vanished; compiling');
    return uncached();
  }
  const externals: string[] = [];
  const warnings: CachedWarning[] = [];
  const result = await compile(abs, path.join(cacheDir, `${key}.mjs`), opts, { externals, warnings });
  const code = result.outputFiles![0]!.contents;
  const notStored = writeCompileCache(cacheDir, key, code, sourcesOf(result.metafile!, opts.cwd), externals, warnings);
  const stored = notStored === undefined ? readCompileCache(cacheDir, key) : undefined;
  opts.log.debug({ path: abs, stored: stored !== undefined, ...(notStored === undefined ? {} : { reason: notStored }) }, 'topology compiled');
  const exports = stored === undefined ? undefined : await importCachedBundle(stored.bundlePath);
  return { path: abs, exports: exports ?? await importTemporary(tempBundlePath(abs), code) };
}

/**
 * Imports a cached bundle (a fresh module instance per load), or undefined when the bundle is
 * gone (a concurrent run replaced the entry between the check and the import): the caller
 * compiles instead. Any other failure, the topology's own included, is thrown.
 */
export async function importCachedBundle(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    enableSourceMaps();
    return (await import(`${pathToFileURL(file).href}?load=${++loads}`)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'ENOENT') && !existsSync(file)) return undefined;
    throw err;
  }
}

/**
 * Topology bundles carry inline source maps: stack traces then name the topology's .ts lines.
 * Turned on here, just before a bundle is imported, and not when the CLI starts: while it is
 * on, Node reads and indexes the .map file of every module loaded (the runtime's dist files
 * have one each), which cost every `gale local` ~50 ms of CPU for the CLI's ~80 modules.
 */
function enableSourceMaps(): void {
  process.setSourceMapsEnabled(true);
}

/** The bundled source files of a compile, absolute. */
function sourcesOf(metafile: Metafile, cwd: string): string[] {
  return Object.keys(metafile.inputs).map((f) => path.resolve(cwd, f));
}

/** gale's and esbuild's versions: a new one of either compiles again. */
function toolVersions(runtimeDir: string): { gale: string; esbuild: string } {
  const version = (pkgJson: string): string => (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  const req = createRequire(path.join(runtimeDir, 'package.json'));
  return { gale: version(path.join(runtimeDir, 'package.json')), esbuild: version(req.resolve('esbuild/package.json')) };
}

/**
 * Bundles a topology file for `gale deploy`: one self-contained ESM file in which everything
 * but `@gale/*` is bundled. Those stay bare imports that each worker resolves to its own
 * installation (so the topology and the worker share one runtime).
 */
export async function bundleForDeploy(opts: LoadTopologyOptions): Promise<{ path: string; code: Buffer }> {
  const abs = checkTopologyFile(opts);
  // Not written: the out path only anchors the source map's relative paths, and the sourceRoot
  // makes them absolute again wherever the worker keeps the bundle, so its stack traces name
  // the topology file as deployed (docs/logging.md).
  const result = await compile(abs, path.join(path.dirname(abs), 'gale-deploy.mjs'), opts, { deploy: true });
  return { path: abs, code: Buffer.from(result.outputFiles![0]!.contents) };
}

/** The absolute path of the topology file; a usage error if it is missing, not a file or of an unknown type. */
export function checkTopologyFile(opts: Pick<LoadTopologyOptions, 'file' | 'cwd'>): string {
  const abs = path.resolve(opts.cwd, opts.file);
  if (!existsSync(abs)) throw new CliUsageError('GALE_ERR_TOPOLOGY_FILE_NOT_FOUND', `topology file "${opts.file}" not found`);
  if (!statSync(abs).isFile()) throw new CliUsageError('GALE_ERR_NOT_A_FILE', `topology file "${opts.file}" is not a file`);
  const ext = path.extname(abs);
  if (!TOPOLOGY_EXTENSIONS.includes(ext) && !YAML_EXTENSIONS.includes(ext.toLowerCase())) {
    throw new CliUsageError('GALE_ERR_FILE_TYPE', `topology file "${opts.file}" must end in ${[...TOPOLOGY_EXTENSIONS, ...YAML_EXTENSIONS].join(', ')}`);
  }
  return abs;
}

const galeBare: Plugin = {
  name: 'gale-bare-imports',
  setup(b) {
    b.onResolve({ filter: /^@gale\/(runtime|spout-kit|bolt-kit)$/ }, (args) => ({ path: args.path, external: true }));
  },
};

interface CompileMode {
  /** A `gale deploy` bundle: everything but `@gale/*` bundled, source paths made absolute. */
  readonly deploy?: boolean;
  /** Collects the package files the bundle imports (local mode). */
  readonly externals?: string[];
  /** Collects the warnings logged (to repeat them on a cache hit). */
  readonly warnings?: CachedWarning[];
}

type CompileResult = { warnings: Message[]; outputFiles?: { contents: Uint8Array }[]; metafile?: Metafile };

async function compile(entry: string, outfile: string, opts: LoadTopologyOptions, mode: CompileMode): Promise<CompileResult> {
  // Loaded only when a compile is needed: a cached bundle's run never loads esbuild.
  const { build } = await import('esbuild');
  const deploy = mode.deploy === true;
  try {
    const source = opts.entry === undefined
      ? { entryPoints: [entry] }
      : { stdin: { contents: opts.entry.contents, resolveDir: path.dirname(entry), sourcefile: `${entry} (generated entry)`, loader: 'js' as const } };
    const options: BuildOptions = {
      ...source,
      outfile,
      write: false,
      metafile: !deploy,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      sourcemap: 'inline',
      // Stack traces need only the mappings; Node reads a frame's source line from the file
      // itself when the map has no copy. A local bundle is parsed (and its map decoded) at
      // every start: without the sources it is ~1/3 the size (issue 9).
      ...(deploy ? {} : { sourcesContent: false }),
      ...(deploy ? { sourceRoot: `${pathToFileURL(path.dirname(entry)).href}/` } : {}),
      logLevel: 'silent',
      absWorkingDir: opts.cwd,
      // The bundle lives in the temp dir; make the entry's import.meta point at the original file.
      define: {
        'import.meta.url': JSON.stringify(pathToFileURL(entry).href),
        'import.meta.filename': JSON.stringify(entry),
        'import.meta.dirname': JSON.stringify(path.dirname(entry)),
      },
      plugins: [deploy ? galeBare : externalPackages(opts, mode)],
    };
    const result = await build(options);
    for (const w of result.warnings) warn(opts, mode, { where: where(w, opts.cwd), text: w.text }, 'topology compile warning');
    return result;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!Array.isArray(errors) || errors.length === 0) throw err;
    const shown = errors.slice(0, 10).map((e) => {
      const moved = opts.entry === undefined ? undefined : yamlResolveError(e.text, opts.entry.modules);
      return moved ?? `${where(e, opts.cwd) ?? opts.file}: ${e.text}`;
    });
    if (errors.length > shown.length) shown.push(`... and ${errors.length - shown.length} more errors`);
    throw new CliUsageError('GALE_ERR_COMPILE', shown.join('\n'));
  }
}

/**
 * `file:line:col` (1-based column) of an esbuild message; a file (esbuild names it relative to
 * absWorkingDir, the cwd) as {@link shownPath} shows it.
 */
function where(m: Message, cwd: string): string | undefined {
  if (m.location === null) return undefined;
  const { file, namespace, line, column } = m.location;
  return `${namespace === 'file' || namespace === '' ? shownPath(cwd, file) : file}:${line}:${column + 1}`;
}

/** Logs a warning of the compile and keeps it for the cache entry. */
function warn(opts: LoadTopologyOptions, mode: CompileMode, fields: Record<string, string | undefined>, msg: string): void {
  opts.log.warn(fields, msg);
  mode.warnings?.push({ fields, msg });
}

function externalPackages(opts: LoadTopologyOptions, mode: CompileMode): Plugin {
  const externals = mode.externals;
  return {
    name: 'gale-external-packages',
    setup(b) {
      let warned = false;
      b.onResolve({ filter: BARE }, async (args) => {
        if ((args.pluginData as Record<symbol, unknown> | undefined)?.[RESOLVING] === true) return undefined;
        if (args.path.includes(':') || isBuiltin(args.path)) return undefined;
        // require() of a file URL cannot work in the ESM bundle: let esbuild bundle those.
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        const resolved = await b.resolve(args.path, {
          kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { [RESOLVING]: true },
        });
        const found = resolved.errors.length === 0 && isJs(resolved.path) ? resolved.path : undefined;
        const gale = GALE_PACKAGES[args.path];
        if (gale !== undefined) {
          const own = path.join(opts.runtimeDir, '..', gale, 'dist', 'index.js');
          const target = found ?? own;
          if (found === undefined && !existsSync(own)) {
            return { errors: [{ text: `cannot find ${args.path}: not installed next to ${opts.file} and no ${own}` }] };
          }
          if (gale === 'runtime' && !warned && path.resolve(target) !== path.resolve(opts.runtimeDir, 'dist', 'index.js')) {
            warned = true;
            warn(opts, mode, { topologyRuntime: target, cliRuntime: opts.runtimeDir },
              'the topology resolves another copy of @gale/runtime than the gale CLI runs; classes will not match');
          }
          opts.log.debug({ specifier: args.path, path: target }, 'gale package import');
          externals?.push(target);
          return { path: pathToFileURL(target).href, external: true };
        }
        // Packages built to JS load from where they are installed; TS sources get bundled.
        if (found !== undefined) {
          opts.log.debug({ specifier: args.path, path: found }, 'package import');
          externals?.push(found);
          return { path: pathToFileURL(found).href, external: true };
        }
        return undefined;
      });
    },
  };
}

function isJs(file: string): boolean {
  return /\.(c|m)?js$/.test(file);
}
