#!/usr/bin/env bash
# CI check: follow the README's production steps literally in a fresh folder with a fresh virtualenv,
# against PostgreSQL (a throwaway database on the server $CHECK_PG), with
# the production server (gunicorn), a worker and the scheduler; then request /readyz and a few pages.
# Keep the steps below in step with README.md "Running in production".
#
#   scripts/check-production.sh                 # fresh venv + pip install of this checkout (~3 min)
#   CHECK_VENV=.venv scripts/check-production.sh   # reuse a virtualenv that has this checkout installed
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
# A PostgreSQL server URL (any database path is dropped): $CHECK_PG, else what ensure-postgres.sh finds
# ($DATABASE_URL, 127.0.0.1:5432, or a throwaway cluster).
if [ -z "${CHECK_PG:-}" ]; then
  if [ -z "${DATABASE_URL:-}" ] && psql -q "postgres://postgres@127.0.0.1:5432/postgres?connect_timeout=3" \
       -c "SELECT 1" >/dev/null 2>&1; then
    CHECK_PG=postgres://postgres@127.0.0.1:5432
  else
    CHECK_PG="$("$REPO/scripts/ensure-postgres.sh")"
  fi
fi
case "$CHECK_PG" in postgres*://*/*) CHECK_PG="${CHECK_PG%/*}" ;; esac
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cyberbeeld-production.XXXXXX")"
DB="cb_check_production_$$"
PIDS=()

cleanup() {
  local status=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -q "$CHECK_PG/postgres" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  if [ "$status" != 0 ]; then
    echo "--- logs (last 40 lines each)" >&2
    for f in "$WORK"/*.log; do [ -f "$f" ] && { echo "== $f" >&2; tail -n 40 "$f" >&2; }; done
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

psql -q "$CHECK_PG/postgres" -c "CREATE DATABASE $DB" >/dev/null
cd "$WORK"
if [ -n "${CHECK_VENV:-}" ]; then
  ln -s "$(cd "$REPO" && realpath "$CHECK_VENV")" .venv
else
  echo "== fresh virtualenv, pip install of a copy of $REPO"
  mkdir source
  cp -r "$REPO/pyproject.toml" "$REPO/README.md" "$REPO/src" source/   # a clean build tree, no stale build/
  find source -name __pycache__ -prune -exec rm -rf {} + -o -name '*.egg-info' -prune -exec rm -rf {} +
  python3 -m venv .venv
  .venv/bin/pip install -q ./source >"$WORK/pip.log" 2>&1
fi
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

# ---- the README's steps -------------------------------------------------------------------------
export DATABASE_URL="$CHECK_PG/$DB"
export DJANGO_SETTINGS_MODULE=cyberbeeld.config.settings.production
export DJANGO_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
export DJANGO_ALLOWED_HOSTS=cyberbeeld.example.nl
export CYBERBEELD_DATA_DIR="$WORK/var"
.venv/bin/cyberbeeld migrate --no-input
.venv/bin/cyberbeeld collectstatic --no-input -v 0
.venv/bin/cyberbeeld check --deploy
.venv/bin/cyberbeeld worker >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
.venv/bin/cyberbeeld scheduler >"$WORK/scheduler.log" 2>&1 &
PIDS+=($!)
.venv/bin/cyberbeeld serve --production "127.0.0.1:$PORT" >"$WORK/web.log" 2>&1 &
PIDS+=($!)
# -------------------------------------------------------------------------------------------------

BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$BASE/healthz" >/dev/null

# /readyz: database, migrations, cache ok; wait for the worker's and scheduler's first heartbeats.
READY=""
for _ in $(seq 1 60); do
  READY="$(curl -sS "$BASE/readyz" || true)"
  if python3 - "$READY" <<'PY'
import json, sys
body = json.loads(sys.argv[1] or "{}")
checks = body.get("checks", {})
ok = body.get("status") == "ok" and all(checks.get(k, {}).get("status") == "ok"
                                        for k in ("database", "migrations", "cache", "worker", "scheduler"))
sys.exit(0 if ok else 1)
PY
  then break; fi
  sleep 1
done
echo "/readyz: $READY"
python3 - "$READY" <<'PY'
import json, sys
body = json.loads(sys.argv[1])
assert body["status"] == "ok", body
assert body["checks"]["database"]["vendor"] == "postgresql", body
for name in ("database", "migrations", "cache", "worker", "scheduler"):
    assert body["checks"][name]["status"] == "ok", (name, body)
PY

# Pages through the proxy's eyes (host name, HTTPS): home 200, a missing page 404, a static file 200.
H=(-H "Host: cyberbeeld.example.nl" -H "X-Forwarded-Proto: https")
code() { curl -s -o "$WORK/page.html" -w '%{http_code}' "${H[@]}" "$BASE$1"; }
[ "$(code /nl/)" = 200 ] || { echo "FAIL: /nl/ is not 200" >&2; exit 1; }
CSS="$(grep -o 'href="/static/[^"]*\.css"' "$WORK/page.html" | head -n 1 | cut -d'"' -f2)"
[ -n "$CSS" ] && [ "$(code "$CSS")" = 200 ] || { echo "FAIL: static file $CSS" >&2; exit 1; }
[ "$(code /nl/bestaat-niet/)" = 404 ] || { echo "FAIL: a missing page is not 404" >&2; exit 1; }
[ "$(code /nl/account/inloggen/)" = 200 ] || { echo "FAIL: the login page is not 200" >&2; exit 1; }
echo "check-production: OK (README production steps give a working site)"
