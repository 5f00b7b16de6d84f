#!/usr/bin/env bash
# Print a DATABASE_URL for a PostgreSQL server the tests may use (they create and drop their own
# databases). Order: $DATABASE_URL; a server at 127.0.0.1:5432 (trust auth, user postgres);
# else install Debian's postgresql (as root) and start a throwaway cluster in /tmp.
set -euo pipefail
if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; exit 0; fi
here=$(cd "$(dirname "$0")/.." && pwd)
py="$here/.venv/bin/python"
answers() {
  "$py" - "$1" <<'PY' >/dev/null 2>&1
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
}
url="postgres://postgres@127.0.0.1:5432/postgres"
if answers "$url"; then echo "$url"; exit 0; fi
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
if [ -z "$pgbin" ]; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL ontbreekt: installeer 'postgresql' of zet DATABASE_URL" >&2; exit 1; fi
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
  pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
fi
dir=/tmp/cyberbeeld-pg
port=55432
url="postgres://postgres@127.0.0.1:$port/postgres"
if answers "$url"; then echo "$url"; exit 0; fi
rm -rf "$dir"; mkdir -p "$dir"
runas=()
if [ "$(id -u)" = 0 ]; then chown postgres "$dir" 2>/dev/null || true; runas=(runuser -u postgres --); fi
"${runas[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
"${runas[@]}" "$pgbin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/log" -w start >/dev/null
echo "$url"
