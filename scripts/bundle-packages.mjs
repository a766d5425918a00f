#!/usr/bin/env node
// Step two of `npm run build`, after `tsc -b`: rewrites each package's entry modules in dist/ as
// esbuild bundles, so a `gale` process loads a handful of files instead of ~180 (issue 9: module
// loading was most of `gale local`'s start-up). The bundles REPLACE tsc's files at the same paths
// (dist/index.js, dist/cli/run.js, dist/cluster/worker-main.js) rather than sitting next to them:
// every way into the runtime — the package's `exports`, the `gale` bin, the supervisor's fork of
// worker-main, a topology bundle's `@gale/*` import — then reaches the one set of chunks, and
// there is one copy of each runtime class (the engine checks `instanceof`). The runtime's entries
// are one split build, so they share their code through dist/chunks/ instead of each embedding
// its own copy. Packages stay external (`@gale/runtime` inside the kits included), and so do
// dynamic imports of runtime modules (lazily loaded commands stay lazy: they become chunks).
// tsc's per-module files stay in dist/ for types and source maps; only the tests import them.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages bundled into the runtime's chunks instead of loaded from node_modules: what every
 * `gale` process loads at start (the CLI's argument parser, dozens of files) and no user code
 * imports. pino, the logger, is bundled on its own ({@link PINO_FILE}). The rest stays external: loaded only by the commands that need it, or shared
 * with user code.
 */
const INLINED = new Set(['yargs']);

/**
 * pino is bundled on its own, as CommonJS, into dist/chunks/pino.cjs, and loaded by require() the
 * first time something is logged at an enabled level (src/lazy-logger.ts): a `gale local` run at
 * the default level logs nothing and never loads it (issue 9: it was ~7% of the start-up). In
 * the bundles, src/pino-load.ts (which imports pino, for tsc's output and jest) is replaced by
 * {@link LAZY_PINO}.
 */
const PINO_FILE = 'pino.cjs';
const LAZY_PINO = `let pino;
export function loadPino() {
  pino ??= require('./${PINO_FILE}');
  return pino;
}
`;
const lazyPino = (srcDir) => ({
  name: 'gale-lazy-pino',
  setup(b) {
    const loader = path.join(srcDir, 'pino-load.ts');
    b.onResolve({ filter: /\/pino-load\.js$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
      return resolved === loader ? { path: loader, namespace: 'gale-lazy-pino' } : undefined;
    });
    // Left as written: require() is the banner's, relative to the chunk file the loader lands in.
    b.onResolve({ filter: /^\.\/pino\.cjs$/, namespace: 'gale-lazy-pino' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'gale-lazy-pino' }, () => ({ contents: LAZY_PINO, loader: 'js' }));
  },
});

/** Marks bare imports of gale's own sources external, except {@link INLINED} packages. */
const externals = (srcDir) => ({
  name: 'gale-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!args.importer.startsWith(srcDir)) return undefined; // inside an inlined package: bundle
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return INLINED.has(name) ? undefined : { path: args.path, external: true };
    });
  },
});

/**
 * yargs' ESM entry renders help with cliui's ESM build, whose wrap() cuts a line at the column
 * width even inside a word (`maxSpoutPendin` / `g`); its CommonJS build (what jest loads, through
 * yargs' CommonJS entry) wraps with wrap-ansi, at spaces. The bundle takes the CommonJS build, so
 * `gale --help` wraps as the help-text tests see it.
 */
const cliuiWordWrap = () => ({
  name: 'gale-cliui-word-wrap',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, (args) => ({
      path: createRequire(path.join(args.resolveDir, 'noop.js')).resolve('cliui'),
    }));
  },
});

/** Entry points per package, relative to its src/; each is written to the same path in dist/. */
const PACKAGES = {
  runtime: ['index.ts', 'cli/run.ts', 'cluster/worker-main.ts'],
  'spout-kit': ['index.ts'],
  'bolt-kit': ['index.ts'],
};

for (const [name, entries] of Object.entries(PACKAGES)) {
  const dir = path.join(root, 'packages', name);
  const outdir = path.join(dir, 'dist');
  // Chunk names carry a content hash: drop the previous build's, or they pile up in the package.
  rmSync(path.join(outdir, 'chunks'), { recursive: true, force: true });
  const result = await build({
    absWorkingDir: dir,
    entryPoints: entries.map((e) => path.join(dir, 'src', e)),
    outbase: path.join(dir, 'src'),
    outdir,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [cliuiWordWrap(), lazyPino(path.join(dir, 'src')), externals(path.join(dir, 'src') + path.sep)],
    // The inlined packages are CommonJS; their require() of Node's modules needs a real require.
    banner: { js: "import { createRequire as __galeRequire } from 'node:module'; const require = __galeRequire(import.meta.url);" },
    // Stack traces (with `gale`'s source maps on) still name src/*.ts; the sources are not embedded.
    sourcemap: 'linked',
    sourcesContent: false,
    // Less text for V8 to scan at every start (~2% of a `gale local` start-up's instructions).
    // Names stay; a frame in a bundle loaded before source maps are on (the runtime's) names
    // `chunk-*.js:1:<column>`, which the .map beside it resolves; the kits' frames name src/*.ts.
    minifyWhitespace: true,
    tsconfig: path.join(dir, 'tsconfig.json'),
    logLevel: 'warning',
    metafile: true,
  });
  if (name === 'runtime') await buildLazyPino(dir, outdir, result.metafile);
}

/**
 * Writes dist/chunks/pino.cjs and checks that the loader's require('./pino.cjs') names it: the
 * loader must sit in a chunk (every runtime entry logs, so esbuild shares it), not in an entry.
 */
async function buildLazyPino(dir, outdir, metafile) {
  const homes = Object.entries(metafile.outputs)
    .filter(([, o]) => Object.keys(o.inputs).some((i) => i.startsWith('gale-lazy-pino:')))
    .map(([file]) => path.resolve(dir, file));
  const chunks = path.join(outdir, 'chunks');
  if (homes.length === 0 || homes.some((f) => path.dirname(f) !== chunks)) {
    throw new Error(`the pino loader must be in ${chunks}, found in: ${homes.join(', ') || 'no output'}`);
  }
  await build({
    absWorkingDir: dir,
    stdin: { contents: "module.exports = require('pino');", resolveDir: dir, loader: 'js' },
    outfile: path.join(chunks, PINO_FILE),
    bundle: true,
    minifyWhitespace: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
