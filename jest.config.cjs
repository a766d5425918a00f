/** One suite, one command: unit tests and integration tests (real processes) together. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/topologies', '<rootDir>/test'],
  testMatch: ['**/__tests__/**/*.test.ts', '**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/test/chaos/'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleNameMapper: {
    '^@gale/(runtime|spout-kit|bolt-kit)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  // Installs the Debian zookeeper package on a fresh machine, before any test (and its timeout) starts.
  globalSetup: '<rootDir>/test/harness/global-setup.cjs',
  testTimeout: 60000,
  // Two test files at a time on the 2-core CI machine: most integration tests wait on real
  // servers and timers, not the CPU (one at a time, the suite took twice as long).
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
};
