// ESLint flat config. The layer table below is the source of truth for which part of
// packages/runtime/src may import which; docs/architecture.md ("Layers") explains it.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import { createRequire } from 'node:module';

const { noImportCycleRule } = createRequire(import.meta.url)('./scripts/import-cycles.cjs');

const SRC = 'packages/runtime/src';

/**
 * What each part of packages/runtime/src may import from the rest of src (its own folder is
 * always allowed). Anything not listed is forbidden, type-only imports included. Entries ending
 * in `.ts` are files. Bottom to top: errors/retry/log/root-slots, api+config, engine, transport/coord,
 * local, cluster, cli. docs/architecture.md ("Layers") has the same table with the reasons.
 */
const LAYERS = {
  'errors.ts': [],
  'retry.ts': ['errors.ts'],
  'log.ts': ['errors.ts', 'lazy-logger.ts', 'pino-load.ts'],
  // The root logger's proxy, which makes the pino logger on first real use, and pino's loader.
  'lazy-logger.ts': [],
  'pino-load.ts': [],
  // Open addressing keyed by tree root: the engine's tables and api/state's held acks share it.
  'root-slots.ts': [],
  // The opt-in per-hop trace of sampled trees (GALE_HOP_TRACE): engine, transport and cluster stamp into it.
  'hop-trace.ts': [],
  api: ['config', 'errors.ts', 'retry.ts', 'root-slots.ts'],
  config: ['api', 'errors.ts', 'retry.ts'],
  engine: ['api', 'config', 'errors.ts', 'root-slots.ts', 'hop-trace.ts'],
  transport: ['api', 'config', 'errors.ts', 'log.ts', 'retry.ts', 'hop-trace.ts'],
  coord: ['api', 'config', 'errors.ts', 'log.ts', 'retry.ts'],
  // Redis connections shared by the state backend and the kits' connectors (ioredis loaded on first open).
  redis: ['errors.ts', 'retry.ts'],
  // State backends (file, Redis) for stateful bolts: Node I/O behind api/state's StateStore.
  state: ['api', 'config', 'redis', 'errors.ts', 'log.ts', 'retry.ts'],
  local: ['engine', 'state', 'api', 'config', 'errors.ts', 'log.ts', 'retry.ts'],
  // Shell (multilang) components: user-level spouts and bolts that run a subprocess.
  multilang: ['api', 'config', 'errors.ts', 'log.ts', 'retry.ts'],
  // The Node implementations of the engine's ports, and the process metrics, live in local/ and serve both shells.
  cluster: ['engine', 'transport', 'coord', 'state', 'local/node-ports.ts', 'local/process-metrics.ts', 'api', 'config', 'errors.ts', 'log.ts', 'retry.ts', 'hop-trace.ts'],
  // The HTTP server (Prometheus /metrics, REST API, web UI): on top of the cluster's admin code, under the CLI.
  http: ['api', 'config', 'engine', 'local', 'cluster', 'coord', 'errors.ts', 'log.ts', 'retry.ts'],
  cli: ['api', 'config', 'engine', 'local', 'multilang', 'cluster', 'transport', 'coord', 'state', 'http', 'errors.ts', 'log.ts', 'retry.ts'],
  // The public barrel is the local-mode API: importing @gale/runtime must not load ws or ZooKeeper
  // (nor ioredis: the Redis state backend imports it on first use).
  'index.ts': ['api', 'config', 'engine', 'local', 'state', 'redis', 'multilang', 'errors.ts', 'log.ts', 'retry.ts'],
};

const LAYER_ZONES = Object.entries(LAYERS).map(([layer, allowed]) => ({
  target: `${SRC}/${layer}`,
  from: SRC,
  except: [`./${layer}`, ...allowed.map((a) => `./${a}`)],
  message: `${layer} may import only ${allowed.length > 0 ? allowed.join(', ') : 'nothing else in src'} (layer table in eslint.config.js, docs/architecture.md).`,
}));

const TS = ['**/*.ts'];
const TESTS = ['**/__tests__/**', '**/*.test.ts', 'test/**'];
const PROD_SRC = ['packages/*/src/**/*.ts'];

// STYLE rule 6: the engine is a pure core; time and scheduling come in through engine/ports.ts.
const IMPURE_GLOBALS = [
  'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
  'queueMicrotask', 'process', 'performance', 'Buffer', 'require',
].map((name) => ({ name, message: 'engine/ is pure (STYLE rule 6): inject it through engine/ports.ts.' }));

export default defineConfig(
  {
    ignores: [
      '**/dist/**', '**/node_modules/**', 'bench/results/**', 'bench/.build/**', 'coverage/**',
      'test-results/**', '.gale-cache/**', 'tmp/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  // Plain JS: bench scripts, bin shim, jest configs.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  // The web UI's client script runs in the browser.
  { files: ['packages/runtime/ui/**/*.js'], languageOptions: { globals: { ...globals.browser } } },

  // TypeScript, type-checked against one program (tsconfig.check.json covers src, tests,
  // topologies and bench, with @gale/* mapped to sources).
  {
    files: TS,
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    plugins: { 'import-x': importX, gale: { rules: { 'no-import-cycle': noImportCycleRule } } },
    languageOptions: {
      parserOptions: { project: './tsconfig.check.json', tsconfigRootDir: import.meta.dirname },
    },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      // NodeNext: `./x.js` in a specifier means `./x.ts` on disk.
      'import-x/resolver-next': [
        createNodeResolver({ extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } }),
      ],
    },
    rules: {
      // The Base* callbacks are synchronous; their MaybePromise type only lets overrides be async,
      // so `super.prepare(context)` in a subclass leaves nothing to await.
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'file', path: `${SRC}/api/base.ts`, name: ['open', 'prepare', 'close', 'cleanup'] }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // `arr[i]!` is the house way to say "in range" (noUncheckedIndexedAccess is off), which
      // this rule calls unnecessary: 170 of its 184 reports were that.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Fields prints as its field list on purpose.
      '@typescript-eslint/restrict-template-expressions': ['error', {
        allow: [{ from: 'lib', name: ['Error', 'URL', 'URLSearchParams'] }, { from: 'file', path: `${SRC}/api/fields.ts`, name: 'Fields' }],
      }],
      // Not import-x/no-cycle: it skips `import type`, and type cycles couple modules too.
      'gale/no-import-cycle': 'error',
      'import-x/no-self-import': 'error',
      // STYLE rule 8 (pino, not console), in tests too: they await typed events, not output.
      'no-console': 'error',
    },
  },

  // Production sources of all packages: named exports only (STYLE rule 2), no reaching into another package,
  // and small modules (STYLE rule 5: one concept per file; no source file over 400 lines, tests excluded).
  {
    files: PROD_SRC,
    ignores: TESTS,
    rules: {
      'import-x/no-default-export': 'error',
      'import-x/no-relative-packages': 'error',
      'max-lines': ['error', { max: 400 }],
    },
  },

  // The layer table, for runtime sources (tests may import across layers and test/harness).
  {
    files: [`${SRC}/**/*.ts`],
    ignores: TESTS,
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
    },
  },
  {
    files: [`${SRC}/{api,config,engine}/**/*.ts`],
    ignores: TESTS,
    rules: { 'import-x/no-nodejs-modules': 'error' },
  },
  {
    files: [`${SRC}/engine/**/*.ts`],
    ignores: TESTS,
    rules: {
      'no-restricted-globals': ['error', ...IMPURE_GLOBALS],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'engine/ is pure (STYLE rule 6): use the injected clock.' }],
    },
  },

  // The kits build on the public API only; topologies (and bench topologies) use only @gale/* barrels.
  {
    files: ['packages/spout-kit/**/*.ts', 'packages/bolt-kit/**/*.ts'],
    ignores: TESTS,
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@gale/*', '!@gale/runtime'], message: 'A kit imports only @gale/runtime.' },
          { group: ['@gale/*/**'], message: 'Import the @gale/runtime barrel, not its files.' },
        ],
      }],
    },
  },
  {
    files: ['topologies/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@gale/*/**'], message: 'Topologies import only the @gale/* barrels.' },
          { regex: '^\\.\\.?/(.*/)?packages/', message: 'Topologies import only the @gale/* barrels.' },
        ],
      }],
    },
  },

  // Tests: jest's asymmetric matchers (`expect.any()`, `expect.objectContaining()`) are typed
  // `any` (the 32 no-unsafe-* reports were all those), async callbacks often need no await, test
  // doubles hand their instance to the test (`probe = this`), tests throw odd values on purpose,
  // and a test's own failure message needs no `cause`. Everything else holds as in src.
  {
    files: TESTS.map((g) => (g.endsWith('.ts') ? g : `${g}/*.ts`)),
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-this-alias': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      'preserve-caught-error': 'off',
    },
  },
);
