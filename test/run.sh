#!/usr/bin/env bash
# npm test: sets up everything the tests need on this machine (Debian packages, the test PKI, a
# throwaway PostgreSQL), runs the type check, the linter and every test suite, stops what it
# started (also when tests fail) and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source test/env/common.sh

passed=0
failed=0
skipped=0
check() { # check NAME COMMAND...: one pass or one failure for a whole command
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "✓ $name"; else failed=$((failed + 1)); echo "✗ $name"; fi
}

if ! prepare_machine test; then
  echo "test set-up failed: see the messages above"
  echo "0 passed, 1 failed"
  exit 1
fi

check "type check (tsc)" npm run -s typecheck
check "lint (eslint)" npm run -s lint
check "renderer build (vite)" npm run -s build:renderer
check "admin console build (vite)" npm run -s build:admin

test/env/with-keyring.sh npx vitest run --reporter=default --reporter=json --outputFile="$work/vitest.json"
vitest_status=$?
if [ -f "$work/vitest.json" ]; then
  read -r vp vf < <(node -e "const r=require('$work/vitest.json');console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0))")
  passed=$((passed + vp)); failed=$((failed + vf))
  [ "$vitest_status" -ne 0 ] && [ "$vf" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi

# End to end: the built renderer in Debian's Chromium, bound to the real main-process handlers.
PLAYWRIGHT_JSON_OUTPUT_NAME="$work/playwright.json" test/env/with-keyring.sh npx playwright test --reporter=list,json
playwright_status=$?
if [ -f "$work/playwright.json" ]; then
  read -r pp pf ps < <(node -e "const s=require('$work/playwright.json').stats;console.log(s.expected + s.flaky, s.unexpected, s.skipped)")
  passed=$((passed + pp)); failed=$((failed + pf)); skipped=$((skipped + ps))
  [ "$playwright_status" -ne 0 ] && [ "$pf" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi

echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
