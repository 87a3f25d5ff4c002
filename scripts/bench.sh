#!/usr/bin/env bash
# make bench: a throwaway PostgreSQL + Redis, the dataset at BENCH_SCALE, then bench/run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
source scripts/services.sh
trap services_stop EXIT

ensure_stage_packages bench
services_start

export BENCH_SCALE="${BENCH_SCALE:-default}"
export DEBUG=false SECURE_COOKIES=false SECURE_SSL_REDIRECT=false ALLOWED_HOSTS=127.0.0.1,localhost
export ANNEX_VAR_DIR="$(mktemp -d /tmp/annex-bench-var.XXXXXX)"
export SECRET_KEY="bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export EMAIL_URL=locmem://

echo "==> migrate"
$BIN/python manage.py migrate --noinput -v 0
$BIN/python manage.py collectstatic --noinput -v 0
echo "==> dataset (scale $BENCH_SCALE)"
time $BIN/python bench/make_dataset.py --scale "$BENCH_SCALE"
echo "==> measurements"
$BIN/python bench/run.py
rm -rf "$ANNEX_VAR_DIR"
