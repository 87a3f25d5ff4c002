"""PostgreSQL restarted under load: requests in flight fail with Annex's error page, nothing is half-written, and
the same web processes answer the next requests (Django re-checks its persistent connections)."""

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.integration.scratch import ROOT, ScratchCluster, installation_env, manage

WRITERS, READERS = 3, 3
ERROR_PAGE = "Nothing you sent was half-saved"
# A DPO with an MFA-verified session (as after a real sign-in) and one control per writer to review.
SETUP = """
import time
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django_otp import DEVICE_ID_SESSION_KEY
from portal.accounts.mfa import STEP_UP_SESSION_KEY
from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory
user = UserFactory(roles=[Role.DPO])
device = totp_device_for(user)
store = import_module(settings.SESSION_ENGINE).SessionStore()
store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "portal.accounts.backends.RoleModelBackend"
store[HASH_SESSION_KEY], store[DEVICE_ID_SESSION_KEY] = user.get_session_auth_hash(), device.persistent_id
store[STEP_UP_SESSION_KEY] = store["last_seen"] = int(time.time())
store.create()
print(settings.SESSION_COOKIE_NAME, store.session_key, *[ControlFactory(owner=user).pk for _ in range(%d)])
"""
COUNTS = """
from collections import Counter
from controls.models import Review
from portal.audit.models import AuditEvent
reviews = Counter(map(str, Review.objects.values_list("control_id", flat=True)))
events = Counter(AuditEvent.objects.filter(action="control.reviewed").values_list("target_id", flat=True))
print(sum(reviews.values()), sum(events.values()), reviews == events)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _workers(pid: int) -> set[int]:
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()}


@pytest.fixture
def web(tmp_path):
    """A scratch cluster with Annex migrated on it, served by two gunicorn sync workers."""
    cluster = ScratchCluster().start()
    env = installation_env(database_url=cluster.createdb("annex"), var_dir=tmp_path / "var")
    manage(env, "migrate", "--noinput")
    cookie, session, *controls = manage(env, "shell", "-c", SETUP % WRITERS).stdout.splitlines()[-1].split()
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "portal.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=(tmp_path / "gunicorn.log").open("w"), stderr=subprocess.STDOUT,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.25)
    else:
        pytest.fail(f"gunicorn did not start:\n{(tmp_path / 'gunicorn.log').read_text()[-3000:]}")
    yield {"cluster": cluster, "env": env, "base": base, "cookie": (cookie, session),
           "controls": [int(pk) for pk in controls], "server": server}
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    cluster.stop()


class Load:
    """Writers record reviews, readers open the register, until stopped; every outcome is kept in order."""

    def __init__(self, web):
        self.web, self.stop, self.outcomes = web, threading.Event(), []
        self.lock = threading.Lock()

    def _client(self) -> requests.Session:
        client = requests.Session()
        client.cookies.set(*self.web["cookie"])
        return client

    def _record(self, kind: str, outcome: str) -> None:
        with self.lock:
            self.outcomes.append((time.monotonic(), kind, outcome))

    def _outcome(self, response: requests.Response, ok: int = 200) -> str:
        if response.status_code == ok:
            return "ok"
        if response.status_code == 500 and ERROR_PAGE in response.text:
            return "error page"
        return f"HTTP {response.status_code}"

    def writer(self, control: int) -> None:
        client = self._client()
        url = f"{self.web['base']}/controls/{control}/review/"
        token = None
        while not self.stop.is_set():
            try:
                if token is None:
                    page = client.get(url, timeout=30)
                    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
                    if not match:
                        self._record("write", self._outcome(page))
                        continue
                    token = match.group(1)
                response = client.post(url, {"csrfmiddlewaretoken": token, "outcome": "effective",
                                             "notes": "Checked under load.", "reviewed_on": time.strftime("%Y-%m-%d")},
                                       headers={"Referer": url}, allow_redirects=False, timeout=30)
                self._record("write", self._outcome(response, ok=302))  # recorded, and redirected to the control
            except requests.RequestException as exc:
                self._record("write", f"no response ({type(exc).__name__})")

    def reader(self) -> None:
        client = self._client()
        while not self.stop.is_set():
            try:
                self._record("read", self._outcome(client.get(f"{self.web['base']}/controls/", timeout=30)))
            except requests.RequestException as exc:
                self._record("read", f"no response ({type(exc).__name__})")

    def run(self, during) -> None:
        threads = [threading.Thread(target=self.writer, args=(pk,)) for pk in self.web["controls"]]
        threads += [threading.Thread(target=self.reader) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        try:
            during()
        finally:
            self.stop.set()
            for thread in threads:
                thread.join(timeout=60)


def test_a_postgresql_restart_under_load_fails_requests_cleanly_and_the_same_workers_recover(web):
    workers = _workers(web["server"].pid)
    load = Load(web)
    marks = {}

    def restart_in_the_middle():
        time.sleep(4)
        marks["restart"] = time.monotonic()
        web["cluster"].restart()
        marks["back"] = time.monotonic()
        time.sleep(6)

    load.run(restart_in_the_middle)

    outcomes = load.outcomes
    before = [o for t, _, o in outcomes if t < marks["restart"]]
    after = [(t, kind, o) for t, kind, o in outcomes if t > marks["back"] + 2]
    failed = [(kind, o) for _, kind, o in outcomes if o != "ok"]
    assert before and set(before) == {"ok"}, set(before)
    # Every request got an answer; those the restart cut got Annex's error page, never a reset or a stack trace.
    assert {o for _, o in failed} <= {"error page"}, failed
    assert failed, "the restart cut no request: the load did not reach the database at that moment"
    # The same processes answer again: nothing was restarted but PostgreSQL.
    assert after and {o for _, _, o in after} == {"ok"}, after[:5]
    assert _workers(web["server"].pid) == workers
    # Nothing half-written: every review that exists has its audit event, and the trail proves itself.
    reviews, events, same_per_control = manage(web["env"], "shell", "-c", COUNTS).stdout.splitlines()[-1].split()
    assert same_per_control == "True" and reviews == events
    writes_ok = sum(1 for _, kind, o in outcomes if kind == "write" and o == "ok")
    writes_failed = sum(1 for _, kind, o in outcomes if kind == "write" and o != "ok")
    # A review answered with an error page may still have committed (the session's save came after it).
    assert writes_ok <= int(reviews) <= writes_ok + writes_failed
    assert manage(web["env"], "verify_audit_trail").returncode == 0
    recovered = min((t for t, _, o in outcomes if t > marks["back"] and o == "ok"), default=None)
    print(f"\nfault figure: PostgreSQL restarted in {marks['back'] - marks['restart']:.1f} s under "
          f"{WRITERS + READERS} clients; {len(failed)} of {len(outcomes)} requests got the error page, first success "
          f"{(recovered or 0) - marks['back']:.1f} s after it was back; {reviews} reviews, each with its audit event")
