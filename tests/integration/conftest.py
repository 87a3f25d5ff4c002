"""A real Celery worker (and beat, where asked) against the test database and Redis."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    s = connection.settings_dict
    host = quote(s["HOST"] or "", safe="")
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def _start(args: list[str], log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=_test_database_url(), CELERY_TASK_ALWAYS_EAGER="false",
               DJANGO_SETTINGS_MODULE="tests.settings")
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portal", *args],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _artifacts() -> Path:
    path = Path(os.environ.get("ANNEX_TEST_ARTIFACTS", "/tmp/annex-test")) / "integration"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real worker process consuming every queue; waits until it answers a ping."""
    from portal.celery import app

    proc = _start(["worker", "--loglevel", "INFO", "--pool", "prefork", "--concurrency", "2",
                   "-Q", "default,exports", "--hostname", "annex-test@%h", "--without-mingle", "--without-gossip"],
                  _artifacts() / "worker.log")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"celery worker exited with {proc.returncode}; see {_artifacts() / 'worker.log'}")
        if app.control.ping(timeout=1.0):
            break
    else:
        _stop(proc)
        pytest.fail("celery worker did not answer a ping within 60 s")
    yield proc
    _stop(proc)


@pytest.fixture
def start_celery_process():
    """Start extra celery processes (e.g. beat) for one test; all are stopped afterwards."""
    procs = []

    def start(*args: str, log_name: str) -> subprocess.Popen:
        proc = _start(list(args), _artifacts() / log_name)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        _stop(proc)
