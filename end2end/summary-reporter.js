// Ends the run with one plain "N passed, N failed" line that CI can read,
// and the Content-Security-Policy violations the journeys saw (must be 0).
class SummaryReporter {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
    this.cspViolations = 0;
    this.cspWatched = 0;
  }

  onTestEnd(test, result) {
    // Count each test once, by its final outcome (retries included).
    if (result.retry < test.retries && result.status !== "passed" && result.status !== "skipped") return;
    if (result.status === "passed") this.passed += 1;
    else if (result.status === "skipped") this.skipped += 1;
    else this.failed += 1;
    // Runtime annotations are on the result in newer Playwright, on the test in older.
    const notes = result.annotations && result.annotations.length ? result.annotations : test.annotations;
    for (const note of notes) {
      if (note.type === "csp-violations") {
        this.cspWatched += 1;
        this.cspViolations += Number(note.description) || 0;
      }
    }
  }

  onEnd() {
    process.stdout.write(`csp: ${this.cspViolations} violations in ${this.cspWatched} watched tests\n`);
    process.stdout.write(`${this.passed} passed, ${this.failed} failed, ${this.skipped} skipped\n`);
  }

  printsToStdio() {
    return true;
  }
}

module.exports = SummaryReporter;
