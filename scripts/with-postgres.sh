#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL: a temporary cluster on 127.0.0.1, its URL in TEST_DATABASE_URL,
# stopped and deleted when the command ends. Usage: bash scripts/with-postgres.sh npm test
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PG_BIN/initdb" ]; then
  echo "with-postgres: no PostgreSQL binaries in $PG_BIN (apt-get install postgresql, or set PG_BIN)" >&2
  exit 1
fi
dir=$(mktemp -d /tmp/gatehouse-pg.XXXXXX)
port=${PG_PORT:-$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}
as_postgres=()
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root.
  chown postgres "$dir"
  as_postgres=(runuser -u postgres --)
fi
stop() {
  "${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
"${as_postgres[@]}" "$PG_BIN/initdb" -D "$dir/data" -A trust -U gatehouse >/dev/null
"${as_postgres[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
export TEST_DATABASE_URL="postgres://gatehouse@127.0.0.1:$port/postgres"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
