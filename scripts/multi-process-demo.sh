#!/usr/bin/env bash
# Follow README's "Running on more than one machine" on this one machine, with processes
# standing in for machines, and show that it works:
#
#   PostgreSQL (database demolition_multi) and Redis (broker and shared cache, one database)
#   two gunicorn instances on two ports, behind nginx (round robin) on a third port
#   two Celery workers and exactly one Celery beat
#   one shared media storage: a folder (stand-in for an NFS mount) or, with MEDIA=s3, an
#   S3-compatible server (moto's, from requirements.txt) through MEDIA_STORAGE_URL
#
# Then it drives it through nginx (scripts/multi_process_client.py): signs in, checks the
# session on both instances, registers a lead and records the inspection through the API so
# the workers render two PDFs, downloads every PDF several times through nginx; checks both
# gunicorns served requests (their access logs), which worker rendered what, that beat ran a
# periodic task (fire-due-workflow-timers, every 60 s), and tears everything down.
#
#   scripts/multi-process-demo.sh                 shared folder
#   MEDIA=s3 scripts/multi-process-demo.sh        S3-compatible object storage
#   KEEP=1 scripts/multi-process-demo.sh          leave the work folder (logs) and the database
#
# Needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust), Redis on 127.0.0.1:6379, nginx
# (apt-get install nginx; only the binary is used, with a private configuration: the system
# service is never started), and .venv (scripts/setup.sh). Every setting can be overridden:
# PG_URL, DB_NAME, REDIS_URL, PORT_NGINX, PORT_WEB1, PORT_WEB2, PORT_S3, PYTHON.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
VENV_BIN=$(dirname "$PYTHON")
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
DB_NAME=${DB_NAME:-demolition_multi}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/12}
PORT_NGINX=${PORT_NGINX:-18100}
PORT_WEB1=${PORT_WEB1:-18101}
PORT_WEB2=${PORT_WEB2:-18102}
PORT_S3=${PORT_S3:-18109}
MEDIA=${MEDIA:-folder}
BEAT_TIMEOUT=${BEAT_TIMEOUT:-150}
WORK=$(mktemp -d /tmp/multi-process-demo.XXXXXX)
STARTED=$(date +%s)
PIDS=()
NAMES=()

say() { printf '\n[demo %3ss] %s\n' "$(($(date +%s) - STARTED))" "$*"; }
fail() {
  printf '\n[demo] FAILED: %s\n' "$*" >&2
  for log in "$WORK"/*.log; do
    [ -f "$log" ] || continue
    printf '\n----- last lines of %s -----\n' "$log" >&2
    tail -n 25 "$log" >&2
  done
  exit 1
}

# Start a long-running process in the background, remember its pid for the teardown.
start() {
  local name=$1; shift
  echo "  \$ $*   (log: $WORK/$name.log)"
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=("$!"); NAMES+=("$name")
}

teardown() {
  local code=$?
  say "teardown: stopping every process this script started"
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "  stopping ${NAMES[$i]} (pid ${PIDS[$i]})"
      kill -TERM "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    for _ in $(seq 40); do kill -0 "${PIDS[$i]}" 2>/dev/null || break; sleep 0.5; done
    if kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "  ${NAMES[$i]} did not stop in 20 s: killing it"
      kill -KILL "${PIDS[$i]}" 2>/dev/null || true
    fi
  done
  if [ "${KEEP:-0}" = 1 ]; then
    echo "  kept: $WORK and database $DB_NAME"
  else
    psql "$PG_URL/postgres" -q -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" || true
    "$VENV_BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()" "$REDIS_URL" || true
    rm -rf "$WORK"
    echo "  removed $WORK, database $DB_NAME, Redis database $REDIS_URL"
  fi
  exit "$code"
}
trap teardown EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for DESCRIPTION SECONDS COMMAND...
  local what=$1 seconds=$2; shift 2
  local deadline=$(($(date +%s) + seconds))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen within ${seconds}s"
    sleep 0.5
  done
  echo "  ok: $what"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
http_ok() { curl -fsS -o /dev/null "$1"; }

say "checking what the demo needs"
[ -x "$PYTHON" ] || fail "$PYTHON not found: run scripts/setup.sh first (or set PYTHON=)"
command -v nginx >/dev/null || command -v /usr/sbin/nginx >/dev/null || fail "nginx is not installed: apt-get install -y nginx"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v curl >/dev/null || fail "curl is not installed: apt-get install -y curl"
pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL does not answer on 127.0.0.1:5432"
"$VENV_BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1]).ping()" "$REDIS_URL" \
  || fail "Redis does not answer at $REDIS_URL"
for port in "$PORT_NGINX" "$PORT_WEB1" "$PORT_WEB2" "$PORT_S3"; do
  port_free "$port" || fail "port $port is in use; choose others with PORT_NGINX/PORT_WEB1/PORT_WEB2/PORT_S3"
done
echo "  python $PYTHON; nginx $NGINX; work folder $WORK; media: $MEDIA"

say "one environment for every process (README: the same on every machine)"
mkdir -p "$WORK/data" "$WORK/shared-media" "$WORK/nginx"
cat >"$WORK/env" <<EOF
DEBUG=0
SECRET_KEY=multi-process-demo-$(date +%s)-not-for-production
ALLOWED_HOSTS=127.0.0.1,localhost
DATABASE_URL=$PG_URL/$DB_NAME
CELERY_BROKER_URL=$REDIS_URL
CACHE_URL=$REDIS_URL
DATA_DIR=$WORK/data
MEDIA_ROOT=$WORK/shared-media
PUBLIC_BASE_URL=http://127.0.0.1:$PORT_NGINX
TRUSTED_PROXY_COUNT=1
SECURE_SSL_REDIRECT=0
SESSION_COOKIE_SECURE=0
CSRF_COOKIE_SECURE=0
LOG_LEVEL=INFO
EOF
# Plain HTTP on the loopback only: production terminates HTTPS at nginx and keeps the
# three *_SECURE settings at their defaults.
if [ "$MEDIA" = s3 ]; then
  cat >>"$WORK/env" <<EOF
MEDIA_STORAGE_URL='s3://demolition-multi/media?endpoint=http://127.0.0.1:$PORT_S3&region=us-east-1'
AWS_ACCESS_KEY_ID=demo
AWS_SECRET_ACCESS_KEY=demo-secret
EOF
elif [ "$MEDIA" != folder ]; then
  fail "MEDIA=$MEDIA: use MEDIA=folder (default) or MEDIA=s3"
fi
sed 's/^SECRET_KEY=.*/SECRET_KEY=(random)/' "$WORK/env" | sed 's/^/  /'
set -a; . "$WORK/env"; set +a

if [ "$MEDIA" = s3 ]; then
  say "object storage: an S3-compatible server on 127.0.0.1:$PORT_S3 (moto), bucket demolition-multi"
  [ -x "$VENV_BIN/moto_server" ] || fail "moto_server not found in $VENV_BIN: pip install -r requirements.txt"
  start s3 "$VENV_BIN/moto_server" -H 127.0.0.1 -p "$PORT_S3"
  wait_for "the S3 server answers" 30 curl -fsS -o /dev/null "http://127.0.0.1:$PORT_S3/moto-api/"
  "$VENV_BIN/python" - <<EOF || fail "could not create the bucket"
import boto3
boto3.client("s3", endpoint_url="http://127.0.0.1:$PORT_S3", region_name="us-east-1",
             aws_access_key_id="demo", aws_secret_access_key="demo-secret").create_bucket(Bucket="demolition-multi")
print("  bucket demolition-multi created")
EOF
fi

say "database $DB_NAME: created, migrated ONCE (by this script, before any web or worker process starts), demo data"
psql "$PG_URL/postgres" -v ON_ERROR_STOP=1 -q -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$DB_NAME\"" || fail "could not create database $DB_NAME"
"$PYTHON" manage.py migrate --noinput >"$WORK/migrate.log" 2>&1 || fail "migrate failed (see $WORK/migrate.log)"
echo "  migrated: $(grep -c ' OK$' "$WORK/migrate.log") migrations applied"
# Only the demo squads, communities and accounts (load_demo's first part): its 22 cases would
# queue some 80 documents that the two workers render before the demo's own.
"$PYTHON" manage.py shell -c "
from django.conf import settings
from casework import demo
print(len(demo.load_demo_reference(password=settings.DEMO_PASSWORD)))
" >"$WORK/load_demo.log" 2>&1 || fail "loading the demo accounts failed (see $WORK/load_demo.log)"
echo "  demo squads, communities and $(tail -n 1 "$WORK/load_demo.log") accounts loaded"
# collectstatic (compressing every file) takes minutes on 2 cores; skip it when the collected
# files are newer than every source (FORCE_COLLECTSTATIC=1 to run it anyway).
MANIFEST=staticfiles/staticfiles.json
if [ "${FORCE_COLLECTSTATIC:-0}" != 1 ] && [ -f "$MANIFEST" ] \
    && [ -z "$(find static config/settings.py requirements.txt -newer "$MANIFEST" -print -quit)" ]; then
  echo "  collectstatic: $MANIFEST is newer than static/, settings and requirements: kept"
else
  echo "  collectstatic (a few minutes on 2 cores)..."
  "$PYTHON" manage.py collectstatic --noinput >"$WORK/collectstatic.log" 2>&1 || fail "collectstatic failed"
  echo "  $(tail -n 1 "$WORK/collectstatic.log")"
fi
IDS=$("$PYTHON" manage.py shell -c "
from casework.models import Community, User
officer = User.objects.get(username='officer1')
print(Community.objects.filter(squad=officer.squad).order_by('pk').first().pk,
      ','.join(str(u.pk) for u in User.objects.filter(username__in=['officer1', 'officer2']).order_by('username')))
" 2>/dev/null | tail -n 1) || fail "could not read the demo ids"
read -r COMMUNITY OFFICERS <<<"$IDS"
echo "  community $COMMUNITY; officers $OFFICERS"

say "two gunicorn instances (the web machines)"
for n in 1 2; do
  port_var=PORT_WEB$n
  start "gunicorn$n" "$VENV_BIN/gunicorn" config.wsgi --bind "127.0.0.1:${!port_var}" --workers 2 --timeout 60 \
    --access-logfile "$WORK/gunicorn$n.access.log" --name "web$n" --control-socket "$WORK/gunicorn$n.ctl"
done

say "two Celery workers and exactly one beat (the worker machines)"
start worker1 "$VENV_BIN/celery" -A config worker --loglevel=info --concurrency=1 --hostname "worker1@%h"
start worker2 "$VENV_BIN/celery" -A config worker --loglevel=info --concurrency=1 --hostname "worker2@%h"
start beat "$VENV_BIN/celery" -A config beat --loglevel=info --schedule "$WORK/celerybeat-schedule"
BEAT_STARTED=$(date +%s)

say "nginx on 127.0.0.1:$PORT_NGINX, round robin over both gunicorns (private configuration, foreground)"
cat >"$WORK/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path $WORK/nginx/client_body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    log_format upstream '\$remote_addr "\$request" \$status \$body_bytes_sent upstream=\$upstream_addr';
    access_log $WORK/nginx/access.log upstream;
    client_max_body_size 25m;
    upstream casework {
        server 127.0.0.1:$PORT_WEB1;
        server 127.0.0.1:$PORT_WEB2;
    }
    server {
        listen 127.0.0.1:$PORT_NGINX;
        location / {
            proxy_pass http://casework;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 60s;
            # For the demo only: which instance answered.
            add_header X-Upstream \$upstream_addr always;
        }
    }
}
EOF
"$NGINX" -t -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx-test.log" 2>&1 \
  || fail "nginx rejects the configuration: $(cat "$WORK/nginx-test.log")"
start nginx "$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"

say "waiting for every process"
wait_for "gunicorn 1 answers /healthz" 60 http_ok "http://127.0.0.1:$PORT_WEB1/healthz"
wait_for "gunicorn 2 answers /healthz" 60 http_ok "http://127.0.0.1:$PORT_WEB2/healthz"
wait_for "nginx answers /healthz" 30 http_ok "http://127.0.0.1:$PORT_NGINX/healthz"
for n in 1 2; do
  wait_for "worker $n is ready" 60 grep -q "worker$n@.* ready" "$WORK/worker$n.log"
done
wait_for "beat started" 30 grep -q "beat: Starting" "$WORK/beat.log"

say "driving it through nginx (scripts/multi_process_client.py)"
"$PYTHON" scripts/multi_process_client.py --base "http://127.0.0.1:$PORT_NGINX" --username officer1 \
  --password "${DEMO_PASSWORD:-demo-pass-2026}" --community "$COMMUNITY" --officers "$OFFICERS" \
  | tee "$WORK/client.out" || fail "the client failed"
RESULT=$(grep '^RESULT ' "$WORK/client.out" | cut -d' ' -f2-)

say "checks"
"$PYTHON" - "$RESULT" "$PORT_WEB1" "$PORT_WEB2" <<'EOF' || fail "a check failed"
import json, sys
facts, ports = json.loads(sys.argv[1]), sys.argv[2:]
upstreams = {f"127.0.0.1:{port}" for port in ports}
assert set(facts["signed_in_on"]) == upstreams, f"signed-in pages came from {facts['signed_in_on']}, not both instances"
print(f"  ok: the session made on one instance was valid on both: {facts['signed_in_on']}")
assert set(facts["pdf_served_by"]) == upstreams, f"PDFs came from {facts['pdf_served_by']} only"
print(f"  ok: both instances served the PDFs the workers wrote: {facts['pdf_served_by']}")
EOF
for n in 1 2; do
  count=$(wc -l <"$WORK/gunicorn$n.access.log")
  [ "$count" -gt 0 ] || fail "gunicorn $n served no request (its access log is empty)"
  echo "  ok: gunicorn $n (port $(eval echo "\$PORT_WEB$n")) access log: $count requests"
done
echo "  nginx access log: $(wc -l <"$WORK/nginx/access.log") requests; by upstream:"
grep -o 'upstream=[0-9.:]*' "$WORK/nginx/access.log" | sort | uniq -c | sed 's/^/   /'
rendered=0
for n in 1 2; do
  count=$(grep -c 'casework.documents.render\[.*\] succeeded' "$WORK/worker$n.log" || true)
  rendered=$((rendered + count))
  echo "  worker $n rendered $count document(s)"
done
[ "$rendered" -ge 2 ] || fail "the workers rendered $rendered documents, expected at least 2"
if [ "$MEDIA" = s3 ]; then
  "$VENV_BIN/python" - "$PORT_S3" <<'EOF' || fail "the PDFs are not in the bucket"
import boto3, sys
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="us-east-1",
                  aws_access_key_id="demo", aws_secret_access_key="demo-secret")
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="demolition-multi").get("Contents", [])]
pdfs = [k for k in keys if k.endswith(".pdf")]
assert len(pdfs) >= 2, keys
print(f"  ok: the bucket holds {len(keys)} objects, among them " + ", ".join(pdfs[:2]))
EOF
  [ -z "$(find "$WORK/shared-media" -type f | head -n 1)" ] || fail "files were written to MEDIA_ROOT although the storage is S3"
  echo "  ok: nothing was written to MEDIA_ROOT"
else
  echo "  shared folder holds: $(find "$WORK/shared-media" -name '*.pdf' | wc -l) PDFs"
fi

say "waiting for beat to send its first periodic task (fire-due-workflow-timers, every 60 s) and a worker to run it"
remaining=$((BEAT_TIMEOUT - ($(date +%s) - BEAT_STARTED)))
wait_for "beat sent fire-due-workflow-timers" "$((remaining > 5 ? remaining : 5))" \
  grep -q "Sending due task fire-due-workflow-timers" "$WORK/beat.log"
grep -h "Sending due task" "$WORK/beat.log" | sed 's/^/  beat: /'
wait_for "a worker ran workflows.tasks.fire_due_timers" 30 \
  grep -q 'workflows.tasks.fire_due_timers\[.*\] succeeded' "$WORK/worker1.log" "$WORK/worker2.log"
grep -H 'workflows.tasks.fire_due_timers\[.*\] succeeded' "$WORK/worker1.log" "$WORK/worker2.log" \
  | sed "s#$WORK/##; s/^/  /"
[ "$(pgrep -fc "celery -A config beat.*$WORK" || true)" -le 1 ] || fail "more than one beat is running"

say "ALL CHECKS PASSED: 2 gunicorn behind nginx, 2 workers, 1 beat, shared sessions, cache, broker and media ($MEDIA)"
