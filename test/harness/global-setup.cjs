// jest globalSetup: installs the Debian zookeeper, redis-server and nats-server packages before any test file runs, when it is
// missing and this process can (zk-install.ts). Here and not only in startZk(): apt-get can take
// longer than a test hook's timeout on a fresh machine, and globalSetup has none. A failure is left
// for startZk() to report, in one line, in the tests that need ZooKeeper; unit tests still run.
//
// CommonJS, requiring the .ts by its real name: jest loads this file outside its module system
// (no moduleNameMapper), transforming .ts only while this file is being loaded.
const { ensureZkInstalled, nodeInstallEnv, TEST_PACKAGES } = require('./zk-install.ts');

module.exports = async function globalSetup() {
  const env = nodeInstallEnv(TEST_PACKAGES);
  if (TEST_PACKAGES.every((p) => env.exists(p.marker))) return;
  try {
    await ensureZkInstalled(env);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
  }
};
