#!/usr/bin/env bash
# make test: lint, Django checks, then three pytest stages:
#   1. the unit suite on SQLite;
#   2. the integration part on a throwaway PostgreSQL 15 + Redis with a real Celery worker;
#   3. the browser journeys in Debian's Chromium through Playwright.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
source scripts/services.sh

export ANNEX_TESTING=1
export PYTHONDONTWRITEBYTECODE=1
ARTIFACTS="$PWD/test-artifacts"
rm -rf "$ARTIFACTS"; mkdir -p "$ARTIFACTS"
export ANNEX_TEST_ARTIFACTS="$ARTIFACTS"
# Unit and browser stages use SQLite and the in-process broker regardless of the caller's environment.
unset DATABASE_URL CELERY_BROKER_URL CELERY_RESULT_BACKEND

trap services_stop EXIT
status=0
declare -A stage_result

# Outside CI a missing service skips its stage loudly; in CI it fails the run.
missing_service_rc() { if [ "${CI:-}" = "true" ]; then echo 1; else echo "SKIPPED (set CI=true to make this a failure)" >&2; echo 0; fi; }
fail() { echo "FAILED: $1"; exit 1; }
step() { echo; echo "==> $1"; }

step "Debian packages and external programs"
# scripts/debian-packages.txt lists every package a stage needs; the check fails on a program that a
# test or script calls without a listed package, and on a listed program that is not installed.
ensure_stage_packages unit || fail "Debian packages for the unit suite"
$BIN/python scripts/check_programs.py --static unit || fail "external programs"
# The Nu HTML Checker (vnu.jar, pinned in scripts/html-checker/package-lock.json) validates every page of the
# authorization matrix in the unit stage, run by Debian's Java; the jar is fetched from the npm registry and
# checked against the lock file's sha512, so no Node.js is installed.
$BIN/python scripts/fetch_html_checker.py || fail "the Nu HTML Checker (scripts/fetch_html_checker.py)"
export ANNEX_REQUIRE_HTML_CHECKER=1

step "compilemessages"
$BIN/python manage.py compilemessages --ignore=.venv --verbosity 0 || fail "compilemessages"

step "ruff"
$BIN/ruff check . || fail "lint"
step "manage.py check"
$BIN/python manage.py check --fail-level WARNING || fail "manage.py check"
mkdir -p var  # the default SQLite database lives here; makemigrations checks its history
step "makemigrations --check"
$BIN/python manage.py makemigrations --check --dry-run || fail "migrations missing"

step "stage 1/3: unit suite on SQLite"
$BIN/pytest -m "not integration and not e2e" -n 2 -p no:cacheprovider --junitxml="$ARTIFACTS/unit.xml" -q
rc=$?; stage_result[unit]=$rc; [ $rc -eq 0 ] || status=1

step "stage 2/3: integration on PostgreSQL 15 + Redis + Celery worker"
if ensure_stage_packages integration && $BIN/python scripts/check_programs.py integration && services_start; then
  CELERY_TASK_ALWAYS_EAGER=false $BIN/pytest -m integration -p no:cacheprovider \
    --junitxml="$ARTIFACTS/integration.xml" -q
  rc=$?
  [ $rc -eq 5 ] && { echo "no integration tests collected"; rc=1; }
else
  echo "PostgreSQL/Redis unavailable"; rc=$(missing_service_rc)
fi
services_stop
stage_result[integration]=$rc; [ $rc -eq 0 ] || status=1

step "stage 3/3: browser journeys in Chromium"
if ensure_stage_packages e2e && $BIN/python scripts/check_programs.py e2e; then
  CHROMIUM_PATH=/usr/bin/chromium $BIN/pytest -m e2e -p no:cacheprovider \
    --junitxml="$ARTIFACTS/e2e.xml" -q
  rc=$?
  [ $rc -eq 5 ] && { echo "no browser tests collected"; rc=1; }
else
  echo "Chromium unavailable"; rc=$(missing_service_rc)
fi
stage_result[e2e]=$rc; [ $rc -eq 0 ] || status=1

step "summary"
$BIN/python scripts/junit_summary.py "$ARTIFACTS"/unit.xml "$ARTIFACTS"/integration.xml "$ARTIFACTS"/e2e.xml
exit $status
