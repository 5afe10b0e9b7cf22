// Prints the closing line from Vitest's JSON reports (one per run: Node 20, Node 24), counting failed
// typecheck/lint as failures. Usage: summary.mjs <failed checks> <report.json>...
import { readFileSync } from "node:fs";

const [failedChecksArg, ...files] = process.argv.slice(2);
const failedChecks = Number(failedChecksArg ?? 0);
let passed = 2 - failedChecks;
let failed = failedChecks;
let skipped = 0;
let total = 0;
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    console.log(`no test report ${file} (${error.message})`);
    failed += 1;
    continue;
  }
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numRuntimeErrors ?? 0);
  skipped += report.numPendingTests + report.numTodoTests;
  total += report.numTotalTests;
  // A test file that failed to load has no test entries: count it so it cannot pass silently.
  failed += report.testResults.filter(
    (suite) => suite.status === "failed" && suite.assertionResults.length === 0,
  ).length;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || total === 0 ? 1 : 0);
