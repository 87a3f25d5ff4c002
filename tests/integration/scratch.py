"""A PostgreSQL cluster of a test's own, and Annex's commands run against it as an operator runs them.

The stage's cluster holds the test database that the session's worker uses; a test that restarts PostgreSQL,
or restores a backup into a new cluster, gets a cluster of its own instead (scripts/services.sh does the same
for the stage).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the stage exports for the session's own database, broker and cache; a scratch installation uses none.
STAGE_VARIABLES = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL", "ANNEX_VAR_DIR",
                   "CELERY_TASK_ALWAYS_EAGER", "DJANGO_SETTINGS_MODULE"}


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        pytest.fail("PostgreSQL's initdb not found (make test installs postgresql)")
    return found[-1].parent


class ScratchCluster:
    """initdb, start, restart and stop a cluster listening on a socket in its own directory."""

    def __init__(self):
        # Not under pytest's tmp_path: the postgres user cannot enter /tmp/pytest-of-root.
        self.dir = Path(tempfile.mkdtemp(prefix="annex-scratch-pg."))
        self.dir.chmod(0o755)
        self.data = self.dir / "pgdata"
        self.bin = _pg_bin()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _pg(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run([*prefix, str(self.bin / program), *args], cwd=self.dir, capture_output=True,
                              text=True, check=check, timeout=120)

    def start(self) -> ScratchCluster:
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync")
        self._ctl("start")
        return self

    def _ctl(self, action: str, *extra: str) -> None:
        options = f"-c listen_addresses='' -k {self.dir} -c fsync=off -c max_connections=100"
        result = self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.dir / "postgres.log"), "-w", "-t", "60",
                          *extra, action, "-o", options, check=False)
        if result.returncode != 0:
            log = (self.dir / "postgres.log").read_text()[-2000:] if (self.dir / "postgres.log").exists() else ""
            pytest.fail(f"pg_ctl {action} failed: {result.stderr}\n{log}")

    def restart(self) -> None:
        """A fast restart: open connections are cut, as when the server is restarted for an update."""
        self._ctl("restart", "-m", "fast")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def createdb(self, name: str) -> str:
        self._pg("createdb", "-h", str(self.dir), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        from urllib.parse import quote

        return f"postgres://postgres@{quote(str(self.dir), safe='')}/{name}"

    def sql(self, name: str, statement: str) -> str:
        return self._pg("psql", "-h", str(self.dir), "-U", "postgres", "-d", name, "-tAc", statement).stdout.strip()


def installation_env(*, database_url: str, var_dir: Path, **extra: str) -> dict:
    """The environment of an Annex installation on this database and var/: eager tasks, mail kept in memory."""
    env = {k: v for k, v in os.environ.items() if k not in STAGE_VARIABLES}
    var_dir.mkdir(parents=True, exist_ok=True)
    env.update(DATABASE_URL=database_url, ANNEX_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="tests.settings",
               CELERY_TASK_ALWAYS_EAGER="true", CELERY_BROKER_URL="memory://", **extra)
    return env


def manage(env: dict, *args: str, check: bool = True, timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stdout[-3000:]}\n"
                    f"{result.stderr[-3000:]}")
    return result


def wait_for(predicate, timeout: float = 90.0) -> bool:
    """Poll `predicate` every half second until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False
