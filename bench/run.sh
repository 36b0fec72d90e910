#!/usr/bin/env bash
# npm run bench: the same machine set-up as the tests (packages, PostgreSQL, the Secret Service),
# the renderer built, then every benchmark. Stops what it started.
set -uo pipefail
cd "$(dirname "$0")/.."
source test/env/packages.sh
source test/env/postgres.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-bench.XXXXXX")
chmod 755 "$work"
trap 'stop_postgres; rm -rf "$work"' EXIT
ensure_debian_packages || exit 1
start_postgres "$work" || exit 1
npx tsx src-server/demo/make-demo-pki.ts "$work/pki" >/dev/null || exit 1
export GONGWEN_TEST_PKI="$work/pki"
npm run -s build:renderer || exit 1
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
test/env/with-keyring.sh npx tsx bench/run.ts
