"""Email notices whose message never reached a worker (the broker was down) are queued again, and sent once."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from portal.notifications.models import Notification
from portal.notifications.services import notifications_requeue
from tests.factories import UserFactory
from tests.notifications.test_delivery import pending_email

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]


def test_a_pending_email_never_tried_is_queued_again_after_a_quarter_of_an_hour_and_sent_once():
    lost = pending_email(UserFactory(email="lost@annex.test"))
    tried = pending_email(UserFactory(email="tried@annex.test"))
    fresh = pending_email(UserFactory(email="fresh@annex.test"))
    old = timezone.now() - timedelta(minutes=16)
    Notification.objects.filter(pk__in=[lost.pk, tried.pk]).update(created_at=old)
    Notification.objects.filter(pk=tried.pk).update(attempts=1)  # its own retries own it

    assert notifications_requeue() == 1

    assert [message.to for message in mail.outbox] == [["lost@annex.test"]]
    statuses = dict(Notification.objects.filter(pk__in=[lost.pk, tried.pk, fresh.pk]).values_list("pk", "status"))
    assert statuses == {lost.pk: Notification.Status.SENT, tried.pk: Notification.Status.PENDING,
                        fresh.pk: Notification.Status.PENDING}
    assert notifications_requeue() == 0 and len(mail.outbox) == 1


def test_beat_runs_the_requeue_sweeps_every_five_minutes():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["notifications.requeue"] == schedule["exports.requeue"] == 300
