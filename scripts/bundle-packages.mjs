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
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages bundled into the runtime's chunks instead of loaded from node_modules: what every
 * `gale` process loads at start (the CLI's argument parser, the logger) and no user code imports
 * — ~60 files. The rest stays external: loaded only by the commands that need it, or shared
 * with user code.
 */
const INLINED = new Set(['yargs', 'pino']);

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
  await build({
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
    plugins: [externals(path.join(dir, 'src') + path.sep)],
    // The inlined packages are CommonJS; their require() of Node's modules needs a real require.
    banner: { js: "import { createRequire as __galeRequire } from 'node:module'; const require = __galeRequire(import.meta.url);" },
    // Stack traces (with `gale`'s source maps on) still name src/*.ts; the sources are not embedded.
    sourcemap: 'linked',
    sourcesContent: false,
    tsconfig: path.join(dir, 'tsconfig.json'),
    logLevel: 'warning',
  });
}
