#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis for tests and benchmarks. Source this file, then call
# services_start; services_stop runs from the caller's EXIT trap.
SERVICES_TMP=""
PG_STARTED=""
REDIS_PIDFILE=""

_as_root() { [ "$(id -u)" = "0" ]; }

# apt-get, waiting up to five minutes for another package manager (unattended upgrades, a second
# install) to release its lock instead of failing at once.
_apt_get() {
  local deadline=$((SECONDS + 300)) out rc
  while :; do
    out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 "$@" 2>&1); rc=$?
    [ $rc -eq 0 ] && return 0
    if grep -qiE "could not get lock|unable to acquire|another process using it" <<<"$out" && [ $SECONDS -lt $deadline ]; then
      echo "apt-get is waiting for another package manager to release its lock..."
      sleep 5
      continue
    fi
    printf '%s\n' "$out" | tail -n 20
    return $rc
  done
}

# Install the Debian packages of these stages (scripts/debian-packages.txt), or say what to install.
ensure_stage_packages() {
  local packages
  packages=$(.venv/bin/python scripts/check_programs.py --packages "$@") || return 1
  # shellcheck disable=SC2086
  ensure_debian_packages $packages
}

# Install these Debian packages, or say what to install.
ensure_debian_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if _as_root && command -v apt-get >/dev/null; then
    echo "Installing Debian packages: ${missing[*]}"
    _apt_get update -qq || return 1
    _apt_get install -y -qq --no-install-recommends "${missing[@]}" || return 1
    return 0
  fi
  echo "Missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}"
  return 1
}

pg_bin_dir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
  done
  return 1
}

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

services_start() {
  SERVICES_TMP=$(mktemp -d /tmp/annex-services.XXXXXX)
  chmod 755 "$SERVICES_TMP"
  local pgbin; pgbin=$(pg_bin_dir) || { echo "PostgreSQL initdb not found"; return 1; }
  local pgdata="$SERVICES_TMP/pgdata" run=()
  if _as_root; then
    chown postgres:postgres "$SERVICES_TMP"
    run=(runuser -u postgres --)
  fi
  # The postgres user cannot enter the checkout: its programs run from the services directory.
  _pg() { (cd "$SERVICES_TMP" && "${run[@]}" "$@"); }
  _pg "$pgbin/initdb" -D "$pgdata" -U postgres -A trust -E UTF8 --no-sync >"$SERVICES_TMP/initdb.log" 2>&1 \
    || { cat "$SERVICES_TMP/initdb.log"; return 1; }
  _pg "$pgbin/pg_ctl" -D "$pgdata" -l "$SERVICES_TMP/postgres.log" -w -t 60 start \
    -o "-c listen_addresses='' -k $SERVICES_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "$SERVICES_TMP/postgres.log"; return 1; }
  PG_STARTED="$pgbin|$pgdata"
  _pg "$pgbin/createdb" -h "$SERVICES_TMP" -U postgres annex || return 1
  local enc; enc=$(.venv/bin/python -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SERVICES_TMP")
  export DATABASE_URL="postgres://postgres@${enc}/annex"

  local port; port=$(free_port)
  REDIS_PIDFILE="$SERVICES_TMP/redis.pid"
  redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --daemonize yes \
    --pidfile "$REDIS_PIDFILE" --logfile "$SERVICES_TMP/redis.log" --dir "$SERVICES_TMP" >/dev/null
  local i
  for i in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$port" ping >/dev/null 2>&1 || { echo "redis-server did not start"; return 1; }
  export CELERY_BROKER_URL="redis://127.0.0.1:${port}/0"
  export CELERY_RESULT_BACKEND="redis://127.0.0.1:${port}/1"
  export CACHE_URL="redis://127.0.0.1:${port}/2"
  echo "PostgreSQL on $SERVICES_TMP, Redis on 127.0.0.1:$port"
}

services_stop() {
  if [ -n "$REDIS_PIDFILE" ] && [ -f "$REDIS_PIDFILE" ]; then
    kill "$(cat "$REDIS_PIDFILE")" 2>/dev/null || true
  fi
  if [ -n "$PG_STARTED" ]; then
    local pgbin=${PG_STARTED%%|*} pgdata=${PG_STARTED##*|} run=()
    _as_root && run=(runuser -u postgres --)
    (cd / && "${run[@]}" "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1) || true
  fi
  [ -n "$SERVICES_TMP" ] && rm -rf "$SERVICES_TMP"
  SERVICES_TMP=""; PG_STARTED=""; REDIS_PIDFILE=""
  unset DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND CACHE_URL
}
