#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster for the inventory tests and print its URL on stdout.
#
#   eval "export CAMAUDIT_TEST_POSTGRES=$(scripts/start-postgres.sh)"
#
# The cluster lives in a fresh temporary directory owned by the 'postgres' user (initdb refuses
# to run as root), listens on 127.0.0.1 only (and on a unix socket in that directory), trusts
# local connections, and runs with fsync off: it holds test data only. A database named
# camaudit_test is created. Stop it with: runuser -u postgres -- pg_ctl -D DIR stop
# (DIR is printed on stderr). Needs Debian's postgresql package (apt-get install postgresql).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z "$bindir" || ! -x "$bindir/initdb" ]]; then
  echo "start-postgres: no PostgreSQL server found (apt-get install postgresql)" >&2
  exit 1
fi
id postgres >/dev/null 2>&1 || { echo "start-postgres: no 'postgres' user" >&2; exit 1; }

as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

port=${CAMAUDIT_PG_PORT:-}
if [[ -z "$port" ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
dir=$(mktemp -d /tmp/camaudit-pg.XXXXXX)
chown postgres: "$dir"
chmod 700 "$dir"

as_postgres "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_postgres "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >&2 || { cat "$dir/server.log" >&2; exit 1; }
as_postgres "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres camaudit_test
echo "start-postgres: cluster in $dir (stop: runuser -u postgres -- $bindir/pg_ctl -D $dir/data stop)" >&2
echo "postgresql://postgres@127.0.0.1:$port/camaudit_test"
