// Ends the run with one plain "N passed, N failed" line that CI can read.
class SummaryReporter {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
  }

  onTestEnd(test, result) {
    // Count each test once, by its final outcome (retries included).
    if (result.retry < test.retries && result.status !== "passed" && result.status !== "skipped") return;
    if (result.status === "passed") this.passed += 1;
    else if (result.status === "skipped") this.skipped += 1;
    else this.failed += 1;
  }

  onEnd() {
    process.stdout.write(`${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`);
  }

  printsToStdio() {
    return true;
  }
}

module.exports = SummaryReporter;
