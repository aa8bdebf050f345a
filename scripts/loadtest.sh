#!/usr/bin/env bash
# Load test against gunicorn + PostgreSQL + a real Celery worker (beat embedded) on Redis, then a
# consistency check.
#
#   scripts/loadtest.sh                     50 users for 5 minutes (the figures in README.md)
#   LOADTEST_DURATION=1m LOADTEST_USERS=10 scripts/loadtest.sh      a quick run
#
# Steps: a fresh PostgreSQL database; migrate, collectstatic, load_demo and loadtest_prepare
# (more accounts and cases in every squad, the worker renders their documents); gunicorn with
# 2 workers; locust headless (loadtest/locustfile.py); the figures per endpoint
# (loadtest/report.py); wait for the worker to render what the run issued; then
# `manage.py check_consistency --verify-files --pending-grace 0`. Exits non-zero when a request
# failed or the check found anything. Everything it starts it stops; the database is dropped
# unless LOADTEST_KEEP_DB=1.
#
# Settings (environment):
#   LOADTEST_USERS (50), LOADTEST_SPAWN_RATE (5/s), LOADTEST_DURATION (5m),
#   LOADTEST_DATABASE (demolition_loadtest), LOADTEST_POSTGRES (postgres://postgres@127.0.0.1:5432),
#   LOADTEST_BROKER (redis://127.0.0.1:6379/11; this Redis database is emptied first),
#   LOADTEST_PORT (8771), LOADTEST_WEB_WORKERS (2), LOADTEST_CELERY_CONCURRENCY (2),
#   LOADTEST_OUT (artifacts/loadtest-<time>), LOADTEST_DRAIN (600 s to wait for pending documents),
#   LOADTEST_KEEP_DB (0), LOADTEST_COLLECTSTATIC (0: only when staticfiles/ has no manifest), VENV (.venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
USERS=${LOADTEST_USERS:-50}
SPAWN_RATE=${LOADTEST_SPAWN_RATE:-5}
DURATION=${LOADTEST_DURATION:-5m}
DATABASE=${LOADTEST_DATABASE:-demolition_loadtest}
POSTGRES=${LOADTEST_POSTGRES:-postgres://postgres@127.0.0.1:5432}
BROKER=${LOADTEST_BROKER:-redis://127.0.0.1:6379/11}
PORT=${LOADTEST_PORT:-8771}
WEB_WORKERS=${LOADTEST_WEB_WORKERS:-2}
CELERY_CONCURRENCY=${LOADTEST_CELERY_CONCURRENCY:-2}
OUT=${LOADTEST_OUT:-artifacts/loadtest-$(date -u +%Y%m%dT%H%M%S)}
DRAIN=${LOADTEST_DRAIN:-600}

say() { printf '[loadtest] %s\n' "$*"; }

if ! "$PY" -c 'import locust' 2>/dev/null; then
  say "installing requirements-load.txt"
  "$PY" -m pip install -q -r requirements-load.txt
fi

mkdir -p "$OUT/data/media"
OUT=$(cd "$OUT" && pwd)
export DATABASE_URL="$POSTGRES/$DATABASE"
export CELERY_BROKER_URL="$BROKER"
export DEBUG=0 SECRET_KEY="loadtest-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export DATA_DIR="$OUT/data" MEDIA_ROOT="$OUT/data/media" LOG_LEVEL=WARNING
export PUBLIC_BASE_URL="http://127.0.0.1:$PORT"

pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ "${LOADTEST_KEEP_DB:-0}" != 1 ]; then
    dropdb --if-exists -h "$(sed -E 's#.*@([^:/]+).*#\1#' <<<"$POSTGRES")" -U postgres "$DATABASE" 2>/dev/null || true
  fi
}
trap cleanup EXIT

PGHOST=$(sed -E 's#.*@([^:/]+).*#\1#' <<<"$POSTGRES")
say "fresh database $DATABASE"
dropdb --if-exists -h "$PGHOST" -U postgres "$DATABASE"
createdb -h "$PGHOST" -U postgres "$DATABASE"
# Empty the broker's database before anything queues work (load_demo's documents).
say "emptying the broker's Redis database ($BROKER)"
redis-cli -u "$BROKER" flushdb > /dev/null
"$PY" manage.py migrate --noinput -v 0
# Hashing and compressing every static file takes minutes on a busy 2-core machine: done once
# per checkout (LOADTEST_COLLECTSTATIC=1 forces it again).
if [ ! -f staticfiles/staticfiles.json ] || [ "${LOADTEST_COLLECTSTATIC:-0}" = 1 ]; then
  say "collectstatic"
  "$PY" manage.py collectstatic --noinput -v 0
fi
"$PY" manage.py load_demo > "$OUT/load_demo.log"

"$PY" -m celery -A config worker --loglevel=warning --pool=prefork --concurrency="$CELERY_CONCURRENCY" \
  --without-gossip --without-mingle --beat --schedule "$OUT/celerybeat-schedule" > "$OUT/celery.log" 2>&1 &
pids+=($!)
say "preparing accounts and cases (the worker renders their documents)"
"$PY" manage.py loadtest_prepare --accounts-file "$OUT/accounts.json" --wait-rendered "$DRAIN" | tee "$OUT/prepare.log"

"$PY" -m gunicorn config.wsgi -w "$WEB_WORKERS" -b "127.0.0.1:$PORT" --timeout 60 \
  --error-logfile "$OUT/gunicorn.log" &
pids+=($!)
for _ in $(seq 60); do
  curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null && break
  sleep 1
done

say "locust: $USERS users, $DURATION (officers 60 %, negotiators 25 %, supervisors 15 %)"
status=0
"$PY" -m locust -f loadtest/locustfile.py --headless -u "$USERS" -r "$SPAWN_RATE" -t "$DURATION" \
  --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary --loglevel WARNING \
  --accounts "$OUT/accounts.json" --outcomes "$OUT/outcomes.json" > "$OUT/locust.log" 2>&1 || status=$?
"$PY" loadtest/report.py "$OUT/locust" "$OUT/outcomes.json" | tee "$OUT/report.txt"
[ "$status" -eq 0 ] || say "locust exited with $status (some requests failed)"

say "waiting for the worker to render the documents the run issued"
"$PY" manage.py shell -v 0 -c "
import time
from casework.models import Document, DocumentStatus
deadline = time.monotonic() + $DRAIN
while (n := Document.objects.filter(status=DocumentStatus.PENDING).count()) and time.monotonic() < deadline:
    time.sleep(5)
print(f'documents issued: {Document.objects.filter(status=DocumentStatus.ISSUED).count()}, pending: {n}')
" | tee -a "$OUT/report.txt"

say "consistency check"
check=0
"$PY" manage.py check_consistency --verify-files --pending-grace 0 | tee -a "$OUT/report.txt" || check=1
say "figures and logs in $OUT"
[ "$status" -eq 0 ] && [ "$check" -eq 0 ]
