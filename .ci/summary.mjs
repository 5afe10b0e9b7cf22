// Prints the closing line from Vitest's JSON report, counting failed typecheck/lint as failures.
import { readFileSync } from "node:fs";

const [file, failedChecksArg] = process.argv.slice(2);
const failedChecks = Number(failedChecksArg ?? 0);
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  console.log(`no test report (${error.message})`);
  console.log(`0 passed, ${1 + failedChecks} failed`);
  process.exit(1);
}
const passed = report.numPassedTests + (2 - failedChecks);
const failed = report.numFailedTests + failedChecks + (report.numRuntimeErrors ?? 0);
const skipped = report.numPendingTests + report.numTodoTests;
// A test file that failed to load has no test entries: count it so it cannot pass silently.
const brokenSuites = report.testResults.filter(
  (suite) => suite.status === "failed" && suite.assertionResults.length === 0,
).length;
console.log(`${passed} passed, ${failed + brokenSuites} failed, ${skipped} skipped`);
process.exit(failed + brokenSuites > 0 || report.numTotalTests === 0 ? 1 : 0);
