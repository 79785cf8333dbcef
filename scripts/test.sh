#!/usr/bin/env bash
# The whole test suite (make test calls this after lint). When no PostgreSQL URL is given in
# CAMAUDIT_TEST_POSTGRES and a server is installed (Debian's postgresql) and we are root, start a
# throwaway cluster for the run and stop it afterwards; otherwise the PostgreSQL tests skip.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PY:-.venv/bin/python}
# with a C compiler the install built the capture fast path: its tests must not skip
if command -v cc >/dev/null 2>&1; then export CAMAUDIT_REQUIRE_FAST=1; fi
pgdir=""
if [[ -z "${CAMAUDIT_TEST_POSTGRES:-}" && "$(id -u)" == 0 ]] \
    && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log=$(mktemp)
  if url=$(scripts/start-postgres.sh 2>"$log"); then
    export CAMAUDIT_TEST_POSTGRES="$url"
    pgdir=$(sed -n 's/.*cluster in \([^ ]*\) .*/\1/p' "$log")
  else
    echo "test.sh: could not start PostgreSQL; its tests will skip" >&2
    cat "$log" >&2
  fi
  rm -f "$log"
fi
stop_pg() {
  if [[ -n "$pgdir" ]]; then
    runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_ctl" \
      -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pgdir"
  fi
}
trap stop_pg EXIT
"$py" -m pytest "$@"
