from datetime import date, timedelta

import pytest
from django.core import mail

from portal.audit.models import AuditAction, AuditEvent
from portal.notifications.models import Notification, NotificationPreference
from portal.notifications.services import notice_send
from portal.notifications.sweep import reminders_sweep
from portal.notifications.tasks import digest_send_task, digests_queue_task, notification_deliver_task
from tests.factories import UserFactory
from tests.notifications.backends import FailingBackend, FlakyBackend
from tests.notifications.conftest import emails_for, make_control

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]

DUE = date(2026, 3, 20)


def pending_email(owner=None, **control_fields):
    owner = owner or UserFactory()
    make_control(owner=owner, due=DUE, **control_fields)
    reminders_sweep(today=DUE - timedelta(days=7))
    return emails_for(owner).get()


def test_a_pending_email_is_sent_with_a_text_and_an_html_part():
    owner = UserFactory(email="owner@annex.test")
    notice = pending_email(owner, reference="BK-01", title="Encrypted backups")

    assert notification_deliver_task.delay(notice.pk).get() == "sent"

    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT and notice.sent_at is not None and notice.attempts == 1
    [message] = mail.outbox
    assert message.to == ["owner@annex.test"]
    assert message.subject == "[Annex] Review of BK-01 Encrypted backups is due in 7 days"
    assert "Due: 20 Mar 2026" in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "Encrypted backups" in html


def test_the_sweep_queues_the_email_after_commit(django_capture_on_commit_callbacks):
    make_control(owner=UserFactory(), due=DUE)

    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(today=DUE - timedelta(days=7))

    assert len(mail.outbox) == 1


def test_a_duplicate_delivery_task_sends_once():
    notice = pending_email()

    notification_deliver_task.delay(notice.pk)
    assert notification_deliver_task.delay(notice.pk).get() == "skipped"

    assert len(mail.outbox) == 1


def test_a_failing_email_backend_is_retried_then_marked_failed_with_the_error(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingBackend"
    settings.NOTIFICATION_MAX_RETRIES = 3
    FailingBackend.calls = 0
    notice = pending_email()

    notification_deliver_task.delay(notice.pk)

    notice.refresh_from_db()
    assert FailingBackend.calls == 4
    assert notice.status == Notification.Status.FAILED and notice.attempts == 4
    assert notice.last_error == "ConnectionRefusedError: mail server refused the connection"
    event = AuditEvent.objects.get(action=AuditAction.NOTIFICATION_DELIVERY_FAILED)
    assert event.target_id == str(notice.pk)


def test_a_send_that_fails_then_succeeds_is_sent_once(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    FlakyBackend.failures_left = 2
    notice = pending_email()

    notification_deliver_task.delay(notice.pk)

    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT and notice.attempts == 3 and notice.last_error == ""
    assert len(mail.outbox) == 1


def test_retry_delays_grow_exponentially(settings):
    from portal.notifications.tasks import _backoff

    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    assert [_backoff(n) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_a_failed_notice_is_not_lost_and_goes_out_when_retried(settings, django_capture_on_commit_callbacks):
    from portal.notifications.services import notification_retry

    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingBackend"
    settings.NOTIFICATION_MAX_RETRIES = 0
    notice = pending_email()
    notification_deliver_task.delay(notice.pk)
    notice.refresh_from_db()
    assert notice.status == Notification.Status.FAILED

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        notification_retry(notification=notice, actor=UserFactory())

    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_the_daily_digest_groups_a_persons_reminders_into_one_email():
    owner = UserFactory()
    NotificationPreference.objects.create(user=owner, daily_digest=True)
    make_control(owner=owner, due=DUE, title="Encrypted backups")
    make_control(owner=owner, due=DUE + timedelta(days=6), title="Access reviews")
    reminders_sweep(today=DUE - timedelta(days=7))
    reminders_sweep(today=DUE - timedelta(days=1))
    assert len(mail.outbox) == 0

    assert digests_queue_task.delay().get() == 1

    [message] = mail.outbox
    assert message.subject == "[Annex] Your reminders: 4 items"
    assert "Encrypted backups" in message.body and "Access reviews" in message.body
    assert set(emails_for(owner).values_list("status", flat=True)) == {Notification.Status.SENT}
    assert digest_send_task.delay(owner.pk).get() == 0


def test_a_failing_digest_leaves_each_reminder_as_a_retryable_failure(settings, eager_retries):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FailingBackend"
    settings.NOTIFICATION_MAX_RETRIES = 1
    owner = UserFactory()
    NotificationPreference.objects.create(user=owner, daily_digest=True)
    make_control(owner=owner, due=DUE)
    reminders_sweep(today=DUE - timedelta(days=7))

    digest_send_task.delay(owner.pk)

    notice = emails_for(owner).get()
    assert notice.status == Notification.Status.FAILED and "refused" in notice.last_error


def test_a_direct_notice_is_sent_once_per_moment():
    person = UserFactory()

    assert notice_send(recipient=person, reason="tests.event", title="Something happened", moment="e-1")
    assert not notice_send(recipient=person, reason="tests.event", title="Something happened", moment="e-1")

    assert Notification.objects.filter(recipient=person).count() == 2  # in-app and email


def test_the_demo_seed_creates_in_app_notices_once():
    from portal.accounts.demo import seed_users
    from portal.notifications import demo

    seed_users()
    demo.seed()
    demo.seed()

    assert Notification.objects.filter(reason="demo.notice").count() == len(demo.DEMO_NOTICES)
    assert not Notification.objects.filter(reason="demo.notice", channel="email").exists()


def test_a_sweep_sends_its_emails_in_batches_and_hands_a_failing_one_to_its_own_retries(
    settings, eager_retries, django_capture_on_commit_callbacks, monkeypatch
):
    from portal.notifications import services

    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    FlakyBackend.failures_left = 1  # the first send of the batch fails once
    monkeypatch.setattr(services, "DELIVERY_BATCH", 2)
    for _ in range(3):
        make_control(owner=UserFactory(), due=DUE)
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(today=DUE - timedelta(days=7))

    emails = Notification.objects.filter(channel="email")
    assert emails.count() == 3
    assert set(emails.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert sorted(emails.values_list("attempts", flat=True)) == [1, 1, 2]
    assert len(mail.outbox) == 3
