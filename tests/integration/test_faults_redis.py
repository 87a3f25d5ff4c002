"""Redis stopped: /healthz says so, pages that need no broker still render, and Redis comes back."""

import contextlib
import subprocess
import time
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings

from portal.accounts.roles import Role
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory


@pytest.fixture
def stopped_redis():
    """Shut the stage's Redis down for one test and start it again, with its own settings, afterwards."""
    url = urlsplit(settings.CELERY_BROKER_URL)
    client = redis.Redis(host=url.hostname, port=url.port)
    config = {k: client.config_get(k)[k] for k in ("pidfile", "logfile", "dir")}
    with contextlib.suppress(redis.exceptions.ConnectionError):  # the server closes the connection as it exits
        client.shutdown(nosave=True)
    started = {}

    def start():
        subprocess.run(["redis-server", "--bind", "127.0.0.1", "--port", str(url.port), "--save", "",
                        "--appendonly", "no", "--daemonize", "yes", "--pidfile", config["pidfile"],
                        "--logfile", config["logfile"], "--dir", config["dir"]], check=True)
        for _ in range(100):
            try:
                if client.ping():
                    started["at"] = time.monotonic()
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.1)
        pytest.fail("redis-server did not come back")

    yield start
    if "at" not in started:
        start()


@pytest.mark.django_db
def test_with_redis_stopped_healthz_answers_503_and_pages_still_render(client, stopped_redis):
    user = UserFactory(roles=[Role.DPO])
    control = ControlFactory(owner=user)
    sign_in(client, user)

    started = time.monotonic()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["checks"] == {"database": "ok", "broker": "unavailable"}
    for url in ("/", "/controls/", f"/controls/{control.pk}/", "/notifications/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    elapsed = time.monotonic() - started
    print(f"\nfault figure: Redis down, /healthz 503 and five pages rendered in {elapsed:.1f} s")

    stopped_redis()
    assert client.get("/healthz").status_code == 200
    assert client.get("/controls/").status_code == 200
