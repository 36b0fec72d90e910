# Node.js 24 LTS beside the machine's Node 20, for the service suites (issue 18). Sourced by
# test/run.sh. The npm registry's `node` package carries the Node 24 runtime as an npm package; it
# goes into .cache/node24 (git-ignored), never into package.json, whose `node` bin would shadow the
# system node in every npm script. Sets NODE24_BIN (its bin folder) and NODE24_SQLITE (yes/no).
NODE24_VERSION=24
NODE24_DIR="$PWD/.cache/node24"

ensure_node24() {
  NODE24_BIN="$NODE24_DIR/node_modules/.bin"
  if ! "$NODE24_BIN/node" --version 2>/dev/null | grep -q "^v$NODE24_VERSION\."; then
    echo "test set-up: installing Node.js $NODE24_VERSION into .cache/node24"
    mkdir -p "$NODE24_DIR"
    npm install --prefix "$NODE24_DIR" --no-save --no-audit --no-fund --loglevel error "node@$NODE24_VERSION" >/dev/null || return 1
  fi
  "$NODE24_BIN/node" --version | grep -q "^v$NODE24_VERSION\." || return 1
  ensure_node24_sqlite
}

# better-sqlite3 is built for one Node ABI: node_modules holds Node 20's. Node 24 needs its own copy
# (the lockfile's version) in .cache/node24/sqlite, used through test/env/node24-loader.mjs. Only
# its prebuilt binary is asked for: building it needs Node 24's C++ headers, and node-gyp here
# would quietly build against Node 20's (npm's nodedir is /usr), which Node 24 refuses to load.
ensure_node24_sqlite() {
  local version dir="$NODE24_DIR/sqlite/node_modules/better-sqlite3"
  version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
  NODE24_SQLITE=no
  if [ ! -f "$dir/build/Release/better_sqlite3.node" ] || [ "$(node -p "require('$dir/package.json').version" 2>/dev/null)" != "$version" ]; then
    rm -rf "$NODE24_DIR/sqlite"
    mkdir -p "$NODE24_DIR/sqlite"
    npm install --prefix "$NODE24_DIR/sqlite" --no-save --no-audit --no-fund --loglevel error --ignore-scripts "better-sqlite3@$version" >/dev/null 2>&1 || return 0
    (cd "$dir" && PATH="$NODE24_BIN:$PATH" timeout 120 node ../prebuild-install/bin.js --runtime node --target "$("$NODE24_BIN/node" -p process.versions.node)" >/dev/null 2>&1) || true
  fi
  "$NODE24_BIN/node" -e "new (require('$dir'))(':memory:').close()" 2>/dev/null && NODE24_SQLITE=yes
  return 0
}
