#!/usr/bin/env node
// The `gale` command. All logic lives in src/cli (compiled to dist/cli); this shim holds SIGINT and
// SIGTERM before it loads the CLI (that takes a moment; a Ctrl-C then must stop a run as one a
// moment later would: src/cli/held-signals.ts) and computes where @gale/runtime is installed
// (src/ is also compiled to CommonJS for jest: no import.meta there).
import { fileURLToPath } from 'node:url';

const cannotLoad = (err) => {
  const hint = err?.code === 'ERR_MODULE_NOT_FOUND' ? '; run "npm run build" first' : '';
  process.stderr.write(`gale: cannot load the gale CLI: ${err?.message ?? err}${hint}\n`);
  process.exit(1);
};
const { holdSignals } = await import('../dist/cli/held-signals.js').catch(cannotLoad);
const signals = holdSignals();
const runtimeDir = fileURLToPath(new URL('..', import.meta.url));
const { run } = await import('../dist/cli/run.js').catch(cannotLoad);
process.exit(await run(process.argv.slice(2), { runtimeDir, signals }));
