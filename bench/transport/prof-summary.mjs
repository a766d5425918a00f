#!/usr/bin/env node
// Summarises .cpuprofile files (node --cpu-prof): self time by function, top N, per file; with
// --inclusive also the inclusive time (self + callees, each function counted once per stack).
// Frames in the bundles (dist/*.js, dist/chunks/*.js, whitespace-minified: every function is on
// line 1) are named by their source through the .map beside the bundle (src/<file>.ts:<line>).
// Usage: node bench/transport/prof-summary.mjs [--top 30] [--inclusive] <file.cpuprofile>...
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
let top = 30;
let inclusive = false;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--inclusive') inclusive = true;
  else files.push(args[i]);
}

const maps = new Map();
/** The source map of a bundle's file:// url, or null (none beside it, or not a file). */
function mapOf(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      const path = fileURLToPath(url);
      if (existsSync(`${path}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')));
    } catch { /* not a file url */ }
    maps.set(url, map);
  }
  return maps.get(url);
}

function keyOf(cf) {
  const map = cf.url.startsWith('file:') ? mapOf(cf.url) : null;
  if (map !== null) {
    const e = map.findEntry(cf.lineNumber, cf.columnNumber);
    if (e && e.originalSource) {
      const src = e.originalSource.replace(/^.*\/(src|bench|topologies|node_modules)\//, '$1/');
      return `${cf.functionName || '(anon)'} ${src}:${e.originalLine + 1}`;
    }
  }
  return `${cf.functionName || '(anon)'} ${basename(cf.url || '')}:${cf.lineNumber + 1}`;
}

for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  const incl = new Map();
  let total = 0;
  for (const [id, us] of dt) {
    const key = keyOf(byId.get(id).callFrame);
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
    if (inclusive && !key.startsWith('(idle)')) {
      const seen = new Set();
      for (let n = id; n !== undefined; n = parent.get(n)) {
        const k = keyOf(byId.get(n).callFrame);
        if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + us); }
      }
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  process.stdout.write(`\n== ${basename(f)}: ${(total / 1e6).toFixed(2)} s sampled, busy ${(busy / 1e6).toFixed(2)} s\n`);
  for (const [k, us] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}\n`);
  }
  if (inclusive) {
    process.stdout.write(`-- inclusive\n`);
    for (const [k, us] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${(us / 1e3).toFixed(0).padStart(7)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${k}\n`);
    }
  }
}
