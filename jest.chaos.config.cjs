/**
 * `npm run test:chaos`: fault-injection scenarios on real clusters (slow; not part of `npm test`,
 * but run by .ci/run after it). One file at a time (--runInBand): each scenario is timed.
 */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 300000,
  reporters: ['default', ['<rootDir>/test/summary-reporter.cjs', { file: 'chaos-summary.txt' }]],
};
