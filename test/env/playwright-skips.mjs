// Prints each skipped end-to-end test with the reason its test.skip gave, so the reason is in
// the run's output and not only in the JSON report (the list reporter shows a bare "-").
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const walk = (suite) => {
  for (const spec of suite.specs ?? [])
    for (const test of spec.tests ?? [])
      if (test.status === 'skipped' || test.results?.every((r) => r.status === 'skipped')) {
        const reasons = (test.annotations ?? []).filter((a) => a.type === 'skip').map((a) => a.description ?? '(no reason given)');
        console.log(`skipped: ${spec.file}: ${spec.title}: ${reasons.join('; ') || '(no reason given)'}`);
      }
  for (const child of suite.suites ?? []) walk(child);
};
for (const suite of report.suites ?? []) walk(suite);
