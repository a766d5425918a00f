#!/usr/bin/env node
// Runs a TypeScript script (e.g. topologies/gen-data.ts) without a build step: esbuild bundles it
// to an ESM file under node_modules/.cache (packages stay external, resolved from the repo) and imports it; the script
// sees its own arguments in process.argv.slice(2).
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: node scripts/run-ts.mjs <file.ts> [args...]\n');
  process.exit(2);
}
const entry = resolve(script);
// Under the repo's node_modules, so the bundle's bare imports resolve from the repo.
const cache = fileURLToPath(new URL('../node_modules/.cache/gale-run/', import.meta.url));
mkdirSync(cache, { recursive: true });
const out = join(cache, `${process.pid}.mjs`);
await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'error', sourcemap: 'inline' });
process.argv = [process.argv[0], entry, ...args];
process.setSourceMapsEnabled(true);
try {
  await import(pathToFileURL(out).href);
} finally {
  rmSync(out, { force: true });
}
