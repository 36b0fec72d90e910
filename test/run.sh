#!/usr/bin/env bash
# npm test: sets up everything the tests need on this machine (Debian packages, the test PKI, a
# throwaway PostgreSQL), runs the type check, the linter and every test suite, stops what it
# started (also when tests fail) and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
source test/env/common.sh
source test/env/node24.sh

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

count_vitest() { # count_vitest JSON STATUS: a vitest run's tests into the totals
  if [ -f "$1" ]; then
    read -r vp vf < <(node -e "const r=require('$1');console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0))")
    passed=$((passed + vp)); failed=$((failed + vf))
    [ "$2" -ne 0 ] && [ "$vf" -eq 0 ] && failed=$((failed + 1))
  else
    failed=$((failed + 1))
  fi
}

test/env/with-keyring.sh npx vitest run --reporter=default --reporter=json --outputFile="$work/vitest.json"
count_vitest "$work/vitest.json" $?

# The service once more under Node.js 24 LTS (what production runs; Node 20 is past its end of
# life): every service suite that runs on both databases, on both (about four minutes on a quiet
# machine). Without a better-sqlite3 built for Node 24 (test/env/node24.sh), on PostgreSQL only,
# and a line says so.
if ensure_node24; then
  if [ "$NODE24_SQLITE" = yes ]; then
    node24_env=(NODE_OPTIONS="--import $PWD/test/env/node24-loader.mjs")
  else
    echo "Node 24: better-sqlite3 could not be built for Node 24 (see README, Node.js versions): the service suites run on PostgreSQL only under Node 24"
    node24_env=(GONGWEN_TEST_DATABASES=postgres)
  fi
  mapfile -t node24_files < <(grep -l "databaseKinds()" test/service/*.test.ts)
  env PATH="$NODE24_BIN:$PATH" "${node24_env[@]}" test/env/with-keyring.sh npx vitest run --reporter=dot --reporter=json \
    --outputFile="$work/vitest-node24.json" "${node24_files[@]}"
  count_vitest "$work/vitest-node24.json" $?
else
  echo "✗ Node 24 could not be installed into .cache/node24 (npm install node@24)"
  failed=$((failed + 1))
fi

# End to end: the built renderer in Debian's Chromium, bound to the real main-process handlers.
PLAYWRIGHT_JSON_OUTPUT_NAME="$work/playwright.json" test/env/with-keyring.sh npx playwright test --reporter=list,json
playwright_status=$?
if [ -f "$work/playwright.json" ]; then
  read -r pp pf ps < <(node -e "const s=require('$work/playwright.json').stats;console.log(s.expected + s.flaky, s.unexpected, s.skipped)")
  passed=$((passed + pp)); failed=$((failed + pf)); skipped=$((skipped + ps))
  [ "$ps" -gt 0 ] && node test/env/playwright-skips.mjs "$work/playwright.json"
  [ "$playwright_status" -ne 0 ] && [ "$pf" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi

echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
