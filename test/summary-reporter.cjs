// Prints the suite's totals as one plain line ("N passed, N failed") after jest's own summary,
// and writes them to test-results/<file> for .ci/run (default summary.txt; the chaos suite's
// config names chaos-summary.txt, and .ci/run adds the two).
const fs = require('node:fs');
const path = require('node:path');

class SummaryReporter {
  constructor(_globalConfig, options = {}) {
    this.file = options.file ?? 'summary.txt';
  }

  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed`;
    const dir = path.join(__dirname, '..', 'test-results');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, this.file), `${line}\n`);
    process.stdout.write(`${line}\n`);
  }
}
module.exports = SummaryReporter;
