#!/usr/bin/env bash
# make run: migrate, load demo data, then web + Celery worker + Celery beat on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

# Where to listen: HOST and PORT from the environment (`PORT=8080 make run`, `HOST=0.0.0.0 make run`).
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
case "$PORT" in (*[!0-9]*|"") echo "PORT must be a port number, got '$PORT'"; exit 2;; esac
# Links in emails and PDFs name a host a browser can reach; a wildcard address is not one.
case "$HOST" in (0.0.0.0|"::"|"[::]") LINK_HOST=127.0.0.1;; (*) LINK_HOST=$HOST;; esac

# All state lives under var/ (or ANNEX_VAR_DIR, which settings.py reads too).
VAR="${ANNEX_VAR_DIR:-var}"
mkdir -p "$VAR"/broker/queue "$VAR"/broker/processed "$VAR"/broker/control "$VAR"/media "$VAR"/celery-results
if [ ! -s "$VAR"/secret_key ]; then
  (umask 077; $BIN/python -c 'import secrets; print(secrets.token_urlsafe(64))' > "$VAR"/secret_key)
fi

# Local demo: plain HTTP on loopback, so cookies cannot be Secure and there is no TLS redirect.
# settings.py reads var/secret_key when neither SECRET_KEY nor SECRET_KEY_FILE is set.
export DEBUG="${DEBUG:-false}"
export ALLOWED_HOSTS="${ALLOWED_HOSTS:-127.0.0.1,localhost,$LINK_HOST}"
export SECURE_COOKIES="${SECURE_COOKIES:-false}"
export SECURE_SSL_REDIRECT="${SECURE_SSL_REDIRECT:-false}"
export SECURE_HSTS_SECONDS="${SECURE_HSTS_SECONDS:-0}"
export ANNEX_DEMO_MODE="${ANNEX_DEMO_MODE:-true}"
export SITE_URL="${SITE_URL:-http://$LINK_HOST:$PORT}"
export PYTHONUNBUFFERED=1

# German and English catalogues: compiled from locale/*/LC_MESSAGES/*.po with GNU gettext's msgfmt.
source scripts/services.sh
ensure_debian_packages gettext || exit 1
$BIN/python manage.py compilemessages --ignore=.venv --verbosity 0

$BIN/python manage.py migrate --noinput
$BIN/python manage.py collectstatic --noinput --verbosity 0
$BIN/python manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping Annex..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# The local demo serves a few people on SQLite: threads keep a page answering while another request waits on a
# write lock. A production server runs the measured setting instead (docs/deployment.md: three sync workers).
$BIN/gunicorn -c gunicorn.conf.py portal.wsgi:application --bind "$HOST:$PORT" --workers 2 --threads 4 \
  --access-logfile - --log-level warning &
pids+=($!)
$BIN/celery -A portal worker --loglevel INFO --concurrency 2 -Q default,exports --hostname "annex@%h" &
pids+=($!)
$BIN/celery -A portal beat --loglevel INFO --schedule "$VAR"/celerybeat-schedule &
pids+=($!)

echo
echo "Annex is running at $SITE_URL  (Ctrl-C stops web, worker and beat)"
echo "Health: $SITE_URL/healthz"
echo
# Stop everything as soon as any one of the three exits.
wait -n "${pids[@]}"
