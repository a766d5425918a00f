import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * What a cached topology bundle depends on besides its bundled files' contents, recorded when
 * the entry is written and checked on every read (./compile-cache.ts): the config files esbuild
 * may read and the directory listings that decide how relative imports resolve.
 */

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** sha256 of a file's content, or null: it does not exist (or cannot be read). */
export function hashFile(file: string): string | null {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

/** Thrown while recording an entry's inputs: this compile cannot be cached safely. */
export class UncacheableError extends Error {}

/** The `package.json` and `tsconfig.json` paths esbuild may read for `sourceFile`. */
export function configFilesFor(sourceFile: string): string[] {
  const out: string[] = [];
  for (let dir = path.dirname(sourceFile); ; dir = path.dirname(dir)) {
    out.push(path.join(dir, 'package.json'), path.join(dir, 'tsconfig.json'));
    if (path.dirname(dir) === dir) return out;
  }
}

/** Names a relative import could resolve to: directories, extensionless files and these extensions. */
const RESOLVABLE = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json', '.css']);

/**
 * A hash of the names in `dir` that an import could resolve to (sorted), or null: no such
 * directory. Adding `name.ts` beside `name/index.ts` (or the other way round) changes it; an
 * output file such as `out.txt` written next to the topology does not.
 */
export function hashListing(dir: string): string | null {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((d) => !d.isFile() || path.extname(d.name) === '' || RESOLVABLE.has(path.extname(d.name)))
      .map((d) => d.name)
      .sort();
  } catch {
    return null;
  }
  return sha256(names.join('\0'));
}

/**
 * The directories whose listings decide which file a relative import of `sourceFile` picked:
 * its own directory (`./x` is `x.ts`, `x.js`, `x/`...), and for an `index.*` file its parent
 * too (`./x` found `x/index.ts`; an `x.ts` appearing there would win). Files under
 * `node_modules` are not listed: packages are checked through their `package.json`.
 */
export function listingDirsFor(sourceFile: string): string[] {
  if (sourceFile.split(path.sep).includes('node_modules')) return [];
  const dir = path.dirname(sourceFile);
  return /^index\.[^.]+$/.test(path.basename(sourceFile)) ? [dir, path.dirname(dir)] : [dir];
}

/** JSON with comments and trailing commas (what tsconfig.json allows) to a value. */
export function parseJsonc(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else {
      out += c;
    }
  }
  return JSON.parse(out.replace(/,(\s*[}\]])/g, '$1')) as unknown;
}

/**
 * The files a `tsconfig.json` `extends` (transitively), each with the candidates esbuild may
 * try (present or not, so one appearing invalidates too). Relative and absolute targets are
 * followed; a package target is followed when it resolves from the config's directory.
 * Throws {@link UncacheableError} for a config that cannot be read as JSON or a package target
 * that does not resolve: the entry is then not stored.
 */
export function tsconfigChain(tsconfig: string, seen: Set<string> = new Set()): string[] {
  if (seen.has(tsconfig) || !existsSync(tsconfig)) return [];
  seen.add(tsconfig);
  let ext: unknown;
  try {
    ext = (parseJsonc(readFileSync(tsconfig, 'utf8')) as { extends?: unknown } | null)?.extends;
  } catch (err) {
    throw new UncacheableError(`cannot read ${tsconfig}: ${(err as Error).message}`);
  }
  const targets = typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext.filter((e): e is string => typeof e === 'string') : [];
  const out: string[] = [];
  for (const t of targets) {
    let candidates: string[];
    if (t.startsWith('./') || t.startsWith('../') || path.isAbsolute(t)) {
      const p = path.resolve(path.dirname(tsconfig), t);
      candidates = p.endsWith('.json') ? [p] : [p, `${p}.json`, path.join(p, 'tsconfig.json')];
    } else {
      const req = createRequire(tsconfig);
      const found = [t, `${t}.json`, `${t}/tsconfig.json`].map((s) => {
        try {
          return req.resolve(s);
        } catch {
          return undefined;
        }
      }).find((r) => r !== undefined);
      if (found === undefined) throw new UncacheableError(`${tsconfig} extends "${t}", which does not resolve`);
      candidates = [found];
    }
    out.push(...candidates);
    const target = candidates.find((c) => existsSync(c));
    if (target !== undefined) out.push(...tsconfigChain(target, seen));
  }
  return out;
}
