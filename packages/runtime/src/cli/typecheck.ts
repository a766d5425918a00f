import { existsSync } from 'node:fs';
import path from 'node:path';
import type * as TS from 'typescript';

/** The compiler API as the dynamic import's default export (loaded only when a check runs: it takes ~0.3 s). */
type Ts = typeof TS.default;
import { shownPath } from './shown-path.js';
import { CliUsageError } from './usage-error.js';

/**
 * `gale deploy` (unless `--no-typecheck`) and `gale local --typecheck`: the topology file and
 * what it imports, type-checked with the TypeScript compiler before anything runs. esbuild only
 * strips types, so without this a Storm-order grouping or a Storm-style `open(conf, ctx,
 * collector)` would fail at run time instead of here.
 */

const MAX_SHOWN = 20;
const GALE_PACKAGES = ['runtime', 'spout-kit', 'bolt-kit'] as const;

/** When no tsconfig.json is found above the topology file: strict, modern ESM, as gale's own. */
function defaultOptions(ts: Ts): TS.CompilerOptions {
  return {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'], // Node, not a browser: no DOM (half the declarations to parse)
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    esModuleInterop: true,
    skipLibCheck: true,
    allowImportingTsExtensions: true,
    types: ['node'],
  };
}

/** The compiler options for `file`: its nearest tsconfig.json (the file itself is the only root), else strict defaults. */
function optionsFor(ts: Ts, file: string, cwd: string): { options: TS.CompilerOptions; config: string | undefined } {
  const config = ts.findConfigFile(path.dirname(file), (f) => ts.sys.fileExists(f), 'tsconfig.json');
  if (config === undefined) return { options: defaultOptions(ts), config };
  const parsed = ts.getParsedCommandLineOfConfigFile(config, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (parsed === undefined) return { options: defaultOptions(ts), config: undefined };
  const bad = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003); // 18003: no inputs (fine: we give ours)
  if (bad.length > 0) throw new CliUsageError('GALE_ERR_TYPECHECK', `${shownPath(cwd, config)}: ${ts.flattenDiagnosticMessageText(bad[0]!.messageText, ' ')}`);
  return { options: parsed.options, config };
}

/**
 * Type-checks `file`; throws GALE_ERR_TYPECHECK (exit 2) listing `file:line:col: error TSnnnn:
 * message` per error (paths relative to `cwd`, absolute outside it). `@gale/*` imports that do
 * not resolve from the file (a topology outside any project) are checked against the packages the
 * CLI runs from, as the loader would run them.
 */
export async function typecheckTopology(file: string, cwd: string, runtimeDir: string, hint: string): Promise<void> {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) return; // the loader says so, in its words
  // A YAML topology has no types of its own; the loader checks its modules, exports and arguments.
  if (/\.ya?ml$/i.test(abs)) return;
  const ts = (await import('typescript')).default;
  const { options: base } = optionsFor(ts, abs, cwd);
  const options: TS.CompilerOptions = { ...base, noEmit: true, composite: false, incremental: false, declaration: false };
  delete options.outDir;
  delete options.rootDir;
  delete options.tsBuildInfoFile;
  const paths: Record<string, string[]> = { ...(options.paths ?? {}) };
  for (const pkg of GALE_PACKAGES) {
    const spec = `@gale/${pkg}`;
    const types = path.join(runtimeDir, '..', pkg, 'dist', 'index.d.ts');
    if (ts.resolveModuleName(spec, abs, options, ts.sys).resolvedModule === undefined && existsSync(types)) paths[spec] = [types];
  }
  if (Object.keys(paths).length > 0) options.paths = paths;
  const roots = fallbackTypeRoots(ts, abs, runtimeDir, options);
  if (roots !== undefined) options.typeRoots = roots;
  const program = ts.createProgram({ rootNames: [abs], options });
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length === 0) return;
  const shown = errors.slice(0, MAX_SHOWN).map((d) => describe(ts, d, cwd));
  if (errors.length > shown.length) shown.push(`... and ${errors.length - shown.length} more type errors`);
  throw new CliUsageError('GALE_ERR_TYPECHECK', `${shown.join('\n')}\n${errors.length} type error${errors.length === 1 ? '' : 's'} in ${file}`,
    hint);
}

/**
 * Type roots that add the CLI's own install (its `@types/node`) when a listed `types` entry (by
 * default `node`) does not resolve from the topology file: a file in a directory without
 * node_modules would otherwise fail with TS2688 before any of its own errors. Undefined: no change.
 */
function fallbackTypeRoots(ts: Ts, abs: string, runtimeDir: string, options: TS.CompilerOptions): string[] | undefined {
  const extra = new Set<string>();
  for (const name of options.types ?? []) {
    if (ts.resolveTypeReferenceDirective(name, abs, options, ts.sys).resolvedTypeReferenceDirective !== undefined) continue;
    const ours = ts.resolveTypeReferenceDirective(name, path.join(runtimeDir, 'package.json'), { ...options, typeRoots: undefined }, ts.sys).resolvedTypeReferenceDirective?.resolvedFileName;
    const at = ours?.lastIndexOf(`${path.sep}@types${path.sep}`) ?? -1;
    if (at >= 0) extra.add(ours!.slice(0, at + '/@types'.length));
  }
  if (extra.size === 0) return undefined;
  const own = options.typeRoots ?? ts.getEffectiveTypeRoots(options, { getCurrentDirectory: () => path.dirname(abs) }) ?? [];
  return [...own, ...extra];
}

function describe(ts: Ts, d: TS.Diagnostic, cwd: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, ' ').replace(/\s+/g, ' ');
  if (d.file === undefined || d.start === undefined) return `error TS${d.code}: ${text}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const name = shownPath(cwd, d.file.fileName);
  return `${name}:${line + 1}:${character + 1}: error TS${d.code}: ${text}`;
}
