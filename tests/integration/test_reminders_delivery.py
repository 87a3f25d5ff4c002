"""A reminder due now travels the whole production path: beat -> sweep task -> Redis -> worker -> email."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.notifications.models import Channel, Notification
from tests.factories import UserFactory
from tests.integration.scratch import wait_for
from tests.notifications.conftest import make_control


@pytest.mark.django_db(transaction=True)
def test_beat_runs_the_sweep_and_the_worker_delivers_the_reminder(
    celery_worker, start_celery_process, monkeypatch, tmp_path
):
    owner = UserFactory(email="owner@annex.test")
    make_control(owner=owner, due=timezone.localdate() + timedelta(days=1), reference="BK-01")
    monkeypatch.setenv("REMINDER_SWEEP_SECONDS", "2")
    start_celery_process("beat", "--loglevel", "INFO", "--schedule", str(tmp_path / "beat-schedule"),
                         log_name="reminders-beat.log")

    def delivered() -> bool:
        return Notification.objects.filter(
            recipient=owner, channel=Channel.EMAIL, reason="controls.review_due", offset_days=-1,
            status=Notification.Status.SENT,
        ).exists()

    assert wait_for(delivered), "the reminder email was not delivered; see test-artifacts/integration/*.log"
    notice = Notification.objects.get(recipient=owner, channel=Channel.EMAIL, reason="controls.review_due")
    assert notice.attempts == 1 and notice.sent_at is not None
    # Beat keeps sweeping every two seconds; the notice stays single.
    time.sleep(5)
    assert Notification.objects.filter(recipient=owner, reason="controls.review_due").count() == 2
