#!/usr/bin/env node
// Finds TypeScript modules that import each other in a cycle, counting `import type` too; used
// as the ESLint rule `gale/no-import-cycle` and runnable alone (`node scripts/import-cycles.cjs`).
// import-x/no-cycle skips type-only imports, but a type cycle (engine.ts <-> executors.ts via
// `export type Runtime = Engine`) still couples two modules that cannot be read or changed
// apart, so the layering needs this stricter check. It is lexical (ts.preProcessFile), which
// keeps it well under a second for the whole repository.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

/** Folders scanned from the repository root, and folders never entered. */
const ROOTS = ['packages', 'topologies', 'test', 'bench'];
const SKIP = new Set(['node_modules', 'dist', 'results', 'coverage', '.build']);

/** `@gale/<name>` resolves to that workspace's source barrel, as in tsconfig.check.json. */
const WORKSPACE = /^@gale\/([a-z-]+)$/;

function listTsFiles(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) listTsFiles(path.join(dir, e.name), out);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      out.push(path.join(dir, e.name));
    }
  }
  return out;
}

/**
 * Resolves one import specifier of `from` to a file in `known`, or undefined for packages,
 * builtins and anything outside the scanned set (those cannot take part in a cycle here).
 */
function resolveSpecifier(spec, from, root, known) {
  const ws = WORKSPACE.exec(spec);
  const base = ws !== null
    ? path.join(root, 'packages', ws[1], 'src', 'index')
    : spec.startsWith('.') ? path.resolve(path.dirname(from), spec) : undefined;
  if (base === undefined) return undefined;
  // NodeNext specifiers name the emitted `.js`; the source is the `.ts` beside it.
  const stem = base.replace(/\.(js|ts)$/, '');
  for (const candidate of [`${stem}.ts`, path.join(stem, 'index.ts')]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

/** Module graph: file -> files it imports (static, type-only, re-exports and `import()` alike). */
function importGraph(files, root, read = (f) => fs.readFileSync(f, 'utf8')) {
  const known = new Set(files);
  const graph = new Map();
  for (const file of files) {
    const info = ts.preProcessFile(read(file), true, true);
    const deps = new Set();
    for (const ref of info.importedFiles) {
      const target = resolveSpecifier(ref.fileName, file, root, known);
      if (target !== undefined && target !== file) deps.add(target);
    }
    graph.set(file, [...deps].sort());
  }
  return graph;
}

/**
 * Every cycle as one concrete path (first node repeated at the end), one per strongly
 * connected component (Tarjan), so a tangle of many files is reported once.
 */
function findCycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      const selfLoop = scc.length === 1 && (graph.get(v) ?? []).includes(v);
      if (scc.length > 1 || selfLoop) components.push(scc);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((scc) => shortestLoop(graph, new Set(scc), [...scc].sort()[0]));
}

/** Shortest path from `start` back to itself inside one component (breadth first). */
function shortestLoop(graph, members, start) {
  const prev = new Map();
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const loop = [start];
        for (let u = v; u !== start; u = prev.get(u)) loop.unshift(u);
        loop.unshift(start);
        return loop;
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The repository's modules and cycles, computed once per process (ESLint asks for every file). */
let repoCache;
function repoCycles(root = path.resolve(__dirname, '..')) {
  if (repoCache === undefined || repoCache.root !== root) {
    const files = ROOTS.flatMap((r) => listTsFiles(path.join(root, r))).sort();
    repoCache = { root, files, known: new Set(files), cycles: findCycles(importGraph(files, root)) };
  }
  return repoCache;
}

/**
 * ESLint rule `gale/no-import-cycle`: reports, in each file on a cycle, the import that leads
 * to the next file of that cycle. The graph is read from disk once per process, so in a
 * long-lived editor session it can lag behind unsaved edits; `npm run lint` is the reference.
 * `settings.galeImportCycles.root` overrides the repository root (for the rule's own test).
 */
const noImportCycleRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between TypeScript modules, type-only imports included' },
    schema: [],
    messages: { cycle: 'import cycle: {{loop}}' },
  },
  create(context) {
    const file = context.physicalFilename;
    const { root, known, cycles } = repoCycles(context.settings.galeImportCycles?.root);
    const next = new Map();
    for (const loop of cycles) {
      const i = loop.indexOf(file);
      if (i >= 0) next.set(loop[i + 1], loop.map((f) => path.relative(root, f)).join(' -> '));
    }
    if (next.size === 0) return {};
    const check = (source) => {
      if (source == null || typeof source.value !== 'string') return;
      const target = resolveSpecifier(source.value, file, root, known);
      const loop = target === undefined ? undefined : next.get(target);
      if (loop === undefined) return;
      next.delete(target);
      context.report({ node: source, messageId: 'cycle', data: { loop } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
      TSImportType: (n) => check(n.argument && n.argument.literal),
    };
  },
};

function main() {
  const { root, files, cycles } = repoCycles();
  for (const loop of cycles) {
    console.error(`import cycle: ${loop.map((f) => path.relative(root, f)).join(' -> ')}`);
  }
  if (cycles.length > 0) {
    console.error(`${cycles.length} import cycle(s) among ${files.length} modules (type-only imports count too)`);
    process.exitCode = 1;
  }
}

if (require.main === module) main();

module.exports = { importGraph, findCycles, resolveSpecifier, repoCycles, noImportCycleRule };
