import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Linter, type ESLint } from 'eslint';
import { findCycles, importGraph, noImportCycleRule } from '../../scripts/import-cycles.cjs';

const ROOT = '/repo';

/** Graph of an in-memory source tree: relative path -> file text. */
function graphOf(tree: Record<string, string>): Map<string, string[]> {
  const abs = (rel: string): string => `${ROOT}/${rel}`;
  const files = Object.keys(tree).map(abs);
  return importGraph(files, ROOT, (file) => tree[file.slice(ROOT.length + 1)] ?? '');
}

function cyclesOf(tree: Record<string, string>): string[][] {
  return findCycles(graphOf(tree)).map((loop) => loop.map((f) => f.slice(ROOT.length + 1)));
}

describe('import cycle check', () => {
  it('passes a layered tree', () => {
    expect(cyclesOf({
      'src/a.ts': "import { b } from './b.js';",
      'src/b.ts': "import { c } from './lib/c.js';",
      'src/lib/c.ts': "import { readFile } from 'node:fs';",
    })).toEqual([]);
  });

  it('counts a type-only import as an edge (the engine <-> executors shape)', () => {
    expect(cyclesOf({
      'engine.ts': "import { Executor } from './executors.js';\nexport class Engine {}",
      'executors.ts': "import type { Engine } from './engine.js';\nexport type Runtime = Engine;",
    })).toEqual([['engine.ts', 'executors.ts', 'engine.ts']]);
  });

  it('follows re-exports, dynamic imports, folder indexes and @gale/* barrels', () => {
    expect(cyclesOf({
      'packages/runtime/src/index.ts': "export { x } from './coord/index.js';",
      'packages/runtime/src/coord/index.ts': "export * from './store.js';",
      'packages/runtime/src/coord/store.ts': "const m = await import('../sub');",
      'packages/runtime/src/sub/index.ts': "import { y } from '@gale/runtime';",
    })).toEqual([[
      'packages/runtime/src/coord/index.ts', 'packages/runtime/src/coord/store.ts', 'packages/runtime/src/sub/index.ts',
      'packages/runtime/src/index.ts', 'packages/runtime/src/coord/index.ts',
    ]]);
  });

  it('reports one shortest loop per tangle', () => {
    const cycles = cyclesOf({
      'a.ts': "import './b.js'; import './c.js';",
      'b.ts': "import './c.js';",
      'c.ts': "import './a.js';",
      'd.ts': "import './e.js';",
      'e.ts': "import './d.js';",
      'f.ts': "import './a.js';",
    });
    expect(cycles).toEqual([['a.ts', 'c.ts', 'a.ts'], ['d.ts', 'e.ts', 'd.ts']]);
  });

  it('ignores packages, unknown files and imports of itself', () => {
    expect(cyclesOf({
      'a.ts': "import 'ws'; import './missing.js'; import './a.js'; import '@gale/nope';",
    })).toEqual([]);
  });
});

describe('gale/no-import-cycle (ESLint rule)', () => {
  let root: string;
  const tree: Record<string, string> = {
    'packages/x/src/a.ts': "import { b } from './b.js';\nimport { c } from './c.js';\nexport const a = 1;",
    'packages/x/src/b.ts': "import { a } from './a.js';\nexport const b = 2;",
    'packages/x/src/c.ts': 'export const c = 3;',
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'gale-cycles-'));
    for (const [rel, text] of Object.entries(tree)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function lint(rel: string): Linter.LintMessage[] {
    const config: Linter.Config = {
      files: ['**/*.ts'],
      plugins: { gale: { rules: { 'no-import-cycle': noImportCycleRule } } as ESLint.Plugin },
      settings: { galeImportCycles: { root } },
      rules: { 'gale/no-import-cycle': 'error' },
    };
    return new Linter({ cwd: root }).verify(tree[rel]!, config, join(root, rel));
  }

  it('reports the import that closes the loop, with the whole loop', () => {
    const messages = lint('packages/x/src/a.ts');
    expect(messages.map((m) => [m.line, m.message])).toEqual([
      [1, 'import cycle: packages/x/src/a.ts -> packages/x/src/b.ts -> packages/x/src/a.ts'],
    ]);
    expect(lint('packages/x/src/b.ts').map((m) => m.line)).toEqual([1]);
  });

  it('is silent in a file on no cycle', () => {
    expect(lint('packages/x/src/c.ts')).toEqual([]);
  });
});
