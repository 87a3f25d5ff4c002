"""Redis stopped: /healthz says so, pages that need no broker still render, work made meanwhile waits in the
database and is sent once Redis is back, and done once."""

import contextlib
import subprocess
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.celery import app
from portal.exports.models import ExportJob
from portal.exports.services import export_request, exports_requeue
from portal.notifications.models import Channel, Notification
from portal.notifications.services import notifications_requeue
from portal.notifications.sweep import reminders_sweep
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.factories import UserFactory
from tests.integration.scratch import wait_for
from tests.notifications.conftest import make_control


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


@pytest.mark.django_db(transaction=True)
def test_work_made_while_redis_is_down_is_sent_once_it_returns_and_done_once(celery_worker, stopped_redis):
    dpo = UserFactory(roles=[Role.DPO])
    owners = [UserFactory(email=f"owner{i}@annex.test") for i in range(3)]
    for i, owner in enumerate(owners):
        make_control(owner=owner, due=timezone.localdate() - timedelta(days=1), reference=f"RD-{i}")
    customer = CustomerFactory(slug="redis-down")

    # The requests and the sweep succeed without the broker: their records wait, queued and pending.
    started = time.monotonic()
    job = export_request(kind_name="controls.tom_annex", subject_key=customer.slug, actor=dpo)
    report = reminders_sweep()
    without_broker = time.monotonic() - started
    emails = Notification.objects.filter(channel=Channel.EMAIL, reason="controls.review_due")
    assert report.created > 0 and emails.count() == len(owners)
    assert set(emails.values_list("status", flat=True)) == {Notification.Status.PENDING}
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED

    stopped_redis()
    assert wait_for(lambda: bool(app.control.ping(timeout=1.0)), timeout=120), "the worker did not reconnect to Redis"
    back = time.monotonic()
    # The requeue sweep sends them again; twice over, as if the next sweep came before the worker finished.
    for _ in range(2):
        assert exports_requeue(min_age=timedelta(0)) in (0, 1)
        notifications_requeue(min_age=timedelta(0))

    assert wait_for(lambda: ExportJob.objects.get(pk=job.pk).is_finished
                     and not emails.filter(status=Notification.Status.PENDING).exists(), timeout=120)
    done = ExportJob.objects.get(pk=job.pk)
    assert done.status == ExportJob.Status.DONE and done.attempts == 1
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_COMPLETED, target_id=str(job.pk)).count() == 1
    assert set(emails.values_list("status", "attempts")) == {(Notification.Status.SENT, 1)}
    # Nothing is doubled: a second sweep makes no new notice, and there is one notice per owner and channel.
    assert reminders_sweep().created == 0
    assert Notification.objects.filter(reason="controls.review_due").count() == 2 * len(owners)
    print(f"\nfault figure: with Redis down an export request and a reminder sweep took {without_broker:.1f} s; "
          f"{time.monotonic() - back:.1f} s after Redis was back the export was done once and "
          f"{len(owners)} emails were sent once each")
