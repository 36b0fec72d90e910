#!/usr/bin/env bash
# npm run bench: the same machine set-up as the tests (packages, PostgreSQL, the Secret Service),
# the renderer and the admin console built, then every benchmark. Stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
source test/env/common.sh
prepare_machine bench || exit 1
npm run -s build:renderer || exit 1
npm run -s build:admin || exit 1
test/env/with-keyring.sh npx tsx bench/run.ts "$@"
