# A throwaway PostgreSQL on a loopback port, in a temp folder; stopped by stop_postgres.
# Sourced by test/run.sh. Sets GONGWEN_TEST_POSTGRES_URL.
PG_DIR=""
start_postgres() {
  local work="$1"
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "test set-up: PostgreSQL is not installed" >&2; return 1; }
  PG_DIR="$work/pg"
  mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
  local port
  port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  local as=()
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$PG_DIR"; as=(runuser -u postgres --); fi
  "${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-p $port -k $PG_DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null ||
    { cat "$PG_DIR/server.log" >&2; return 1; }
  PG_BIN="$bin"; PG_AS=("${as[@]}")
  export GONGWEN_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}
stop_postgres() {
  [ -n "$PG_DIR" ] && [ -d "$PG_DIR/data" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
}
