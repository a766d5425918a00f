/** `npm run test:chaos`: fault-injection scenarios on real clusters (slow; not part of `npm test`). */
const base = require('./jest.config.cjs');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/chaos'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 300000,
  reporters: ['default'],
};
