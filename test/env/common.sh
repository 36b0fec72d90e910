# The machine set-up that npm test and npm run bench share: Debian packages, a throwaway
# PostgreSQL and the test PKI, in a temp folder removed (with PostgreSQL stopped) on exit.
# Sourced; sets $work and exports GONGWEN_TEST_PKI and GONGWEN_TEST_POSTGRES_URL.
source "$(dirname "${BASH_SOURCE[0]}")/packages.sh"
source "$(dirname "${BASH_SOURCE[0]}")/postgres.sh"

prepare_machine() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/gongwen-$1.XXXXXX")
  chmod 755 "$work"
  trap 'stop_postgres; rm -rf "$work"' EXIT
  ensure_debian_packages || return 1
  start_postgres "$work" || return 1
  npx tsx tools/demo/make-demo-pki.ts "$work/pki" >/dev/null || return 1
  export GONGWEN_TEST_PKI="$work/pki"
  # Keep npm's cache out of the keyring's temporary HOME.
  export npm_config_cache="${npm_config_cache:-$HOME/.npm}"
}
