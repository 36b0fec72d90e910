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
# (the lockfile's version) in .cache/node24/sqlite, used through test/env/node24-loader.mjs. It is
# compiled (a minute or a few, once per clone) with node-gyp against Node 24 headers from the npm
# registry, never taken prebuilt (GitHub's downloads, out of reach here, and built against headers
# nobody can tell). Two things matter. node-gyp must be told which headers (--nodedir): left alone it would build against
# Node 20's (npm's nodedir is /usr), which Node 24 refuses to load. And they must be 24.18.1's:
# from 24.19 the inline node::ObjectWrap of node_object_wrap.h registers an environment cleanup hook
# that better-sqlite3 12's Statement destructor then removes when no Environment is current, and the
# process aborts ("Assertion failed: (env) != nullptr", nodejs/node#65446, still open); the abort
# follows the headers an addon is compiled against, not the runtime it loads into, and the ABI is
# the same across 24.x (README, Node.js versions).
NODE24_SQLITE_HEADERS=24.18.1

ensure_node24_sqlite() {
  local version dir="$NODE24_DIR/sqlite/node_modules/better-sqlite3"
  version=$(node -p "require('./node_modules/better-sqlite3/package.json').version")
  NODE24_SQLITE=no
  if ! node24_sqlite_loads "$dir" || [ "$(node -p "require('$dir/package.json').version" 2>/dev/null)" != "$version" ] ||
    ! grep -q "headers-$NODE24_SQLITE_HEADERS\"" "$dir/build/config.gypi" 2>/dev/null; then
    rm -rf "$NODE24_DIR/sqlite"
    mkdir -p "$NODE24_DIR/sqlite"
    npm install --prefix "$NODE24_DIR/sqlite" --no-save --no-audit --no-fund --loglevel error --ignore-scripts "better-sqlite3@$version" >/dev/null 2>&1 || return 0
    build_node24_sqlite "$dir"
  fi
  node24_sqlite_loads "$dir" && NODE24_SQLITE=yes
  return 0
}

node24_sqlite_loads() {
  [ -f "$1/build/Release/better_sqlite3.node" ] && "$NODE24_BIN/node" -e "new (require('$1'))(':memory:').close()" 2>/dev/null
}

build_node24_sqlite() {
  local headers="$NODE24_DIR/headers-$NODE24_SQLITE_HEADERS" package node_gyp
  node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  if [ ! -f "$headers/include/node/node_version.h" ]; then
    # The npm registry's node-<os>-<arch> package is the runtime's distribution, headers included.
    package="node-$("$NODE24_BIN/node" -p 'process.platform + "-" + process.arch')@$NODE24_SQLITE_HEADERS"
    mkdir -p "$headers" &&
      (cd "$headers" && npm pack --silent "$package" >/dev/null 2>&1 && tar xzf node-*.tgz --strip-components=1 package/include && rm -f node-*.tgz) ||
      { echo "test set-up: could not fetch Node $NODE24_SQLITE_HEADERS headers ($package) to build better-sqlite3 for Node 24"; return 1; }
  fi
  echo "test set-up: building better-sqlite3 for Node 24 against Node $NODE24_SQLITE_HEADERS headers (once per clone)"
  # Under `npm test`, npm exports its own nodedir (/usr) as npm_config_nodedir, which node-gyp
  # would take over --nodedir: it is set to the same headers.
  (cd "$1" && PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$headers" "$NODE24_BIN/node" "$node_gyp" rebuild --release --nodedir="$headers" >"$NODE24_DIR/sqlite-build.log" 2>&1) ||
    { echo "test set-up: the build failed; see $NODE24_DIR/sqlite-build.log"; return 1; }
}
