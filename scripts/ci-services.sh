#!/usr/bin/env bash
# Services the test suite needs in CI: Debian's postgresql (a real server for the inventory
# store tests), chromium (the HTML report is loaded headless), iproute2 (namespace lab) and
# nmap (import nmap reads a live nmap run against the lab) and rsyslog with its TLS driver
# (watch sends events to a real syslog daemon; installing it starts no daemon in a container).
# Installs them when missing (root, apt-get), starts a throwaway PostgreSQL cluster and prints,
# on stdout, the one line to eval:
#
#   eval "$(scripts/ci-services.sh)"     # -> export CAMAUDIT_TEST_POSTGRES=postgresql://...
#
# It exports nothing itself. Everything else goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nmap >/dev/null 2>&1 || missing+=(nmap)
[[ -x /usr/sbin/rsyslogd ]] || missing+=(rsyslog)
ls /usr/lib/*/rsyslog/lmnsd_gtls.so >/dev/null 2>&1 || missing+=(rsyslog-gnutls)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if ((${#missing[@]})); then
  echo "ci-services: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
url=$(scripts/start-postgres.sh)
echo "export CAMAUDIT_TEST_POSTGRES='$url'"
