from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from controls.models import Control
from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.notifications.models import Channel, Notification, NotificationPreference
from portal.notifications.registry import ReminderRule
from portal.notifications.sweep import reminders_sweep
from tests.factories import UserFactory
from tests.notifications.conftest import emails_for, in_app, make_control

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]

DUE = date(2026, 3, 20)


def sweep_every_day(start: date, end: date, *, times: int = 1):
    day = start
    while day <= end:
        for _ in range(times):
            reminders_sweep(today=day)
        day += timedelta(days=1)


def test_a_review_reminder_fires_at_each_offset_exactly_once_across_repeated_sweeps():
    owner = UserFactory()
    make_control(owner=owner, due=DUE)

    sweep_every_day(DUE - timedelta(days=30), DUE + timedelta(days=30), times=3)

    offsets = sorted(in_app(owner).values_list("offset_days", flat=True))
    assert offsets == [-14, -7, -1, 1, 7]
    assert sorted(emails_for(owner).values_list("offset_days", flat=True)) == [-14, -7, -1, 1, 7]
    assert Notification.objects.count() == 10


def test_each_reminder_is_sent_on_its_own_day():
    owner = UserFactory()
    make_control(owner=owner, due=DUE)

    assert reminders_sweep(today=DUE - timedelta(days=15)).created == 0
    assert reminders_sweep(today=DUE - timedelta(days=14)).created == 1
    assert reminders_sweep(today=DUE - timedelta(days=13)).created == 0
    assert in_app(owner).get().reason == "controls.review_due"


def test_the_reminder_names_the_control_and_when_it_is_due():
    owner = UserFactory()
    make_control(owner=owner, due=DUE, reference="BK-01", title="Encrypted backups")

    reminders_sweep(today=DUE - timedelta(days=7))

    notice = in_app(owner).get()
    assert notice.title == "Review of BK-01 Encrypted backups is due in 7 days"
    assert notice.due_date == DUE and notice.status == Notification.Status.SENT
    assert emails_for(owner).get().status == Notification.Status.PENDING


def test_escalation_reaches_the_manager_and_every_dpo_when_the_review_is_still_open():
    manager = UserFactory()
    dpos = [UserFactory(roles=[Role.DPO]), UserFactory(roles=[Role.DPO])]
    owner = UserFactory(manager=manager)
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE + timedelta(days=7))

    for person in (manager, *dpos):
        notice = in_app(person).get()
        assert notice.escalation and notice.offset_days == 7
        assert emails_for(person).count() == 1
    assert not in_app(owner).get().escalation


def test_a_review_one_day_overdue_reminds_only_the_owner():
    manager = UserFactory()
    UserFactory(roles=[Role.DPO])
    owner = UserFactory(manager=manager)
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE + timedelta(days=1))

    assert list(Notification.objects.order_by().values_list("recipient_id", flat=True).distinct()) == [owner.pk]


def test_no_escalation_once_the_control_is_retired():
    manager = UserFactory()
    dpo = UserFactory(roles=[Role.DPO])
    owner = UserFactory(manager=manager)
    make_control(owner=owner, due=DUE, status=Control.Status.RETIRED)

    reminders_sweep(today=DUE + timedelta(days=7))

    assert not Notification.objects.filter(recipient__in=[owner, manager, dpo]).exists()


def test_recording_the_review_stops_the_reminders():
    owner = UserFactory(manager=UserFactory())
    control = make_control(owner=owner, due=DUE)
    reminders_sweep(today=DUE + timedelta(days=1))
    control.next_review_due = DUE + timedelta(days=365)
    control.save(update_fields=["next_review_due"])

    reminders_sweep(today=DUE + timedelta(days=7))

    assert list(in_app(owner).values_list("offset_days", flat=True)) == [1]


def test_an_inactive_manager_is_not_notified():
    manager = UserFactory(is_active=False)
    owner = UserFactory(manager=manager)
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE + timedelta(days=7))

    assert not Notification.objects.filter(recipient=manager).exists()


def test_a_moment_missed_by_more_than_the_catch_up_window_is_not_sent_late(settings):
    settings.REMINDER_CATCH_UP_DAYS = 2
    owner = UserFactory()
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE - timedelta(days=14) + timedelta(days=3))

    assert not Notification.objects.exists()


def test_after_an_outage_only_the_latest_missed_moment_is_sent(settings):
    settings.REMINDER_CATCH_UP_DAYS = 10
    owner = UserFactory()
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE - timedelta(days=6))

    assert list(in_app(owner).values_list("offset_days", flat=True)) == [-7]


def test_a_muted_channel_is_recorded_but_not_sent():
    owner = UserFactory()
    NotificationPreference.objects.create(user=owner, email=False)
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE - timedelta(days=7))

    assert emails_for(owner).get().status == Notification.Status.MUTED
    assert in_app(owner).get().status == Notification.Status.SENT


def test_a_muted_reminder_is_not_sent_but_a_critical_one_is(temporary_rule):
    muted = UserFactory(hire_date=DUE)
    NotificationPreference.objects.create(user=muted, email=False, in_app=False)
    make_control(owner=muted, due=DUE)
    temporary_rule(ReminderRule(
        name="tests.deadline", queryset=lambda: type(muted).objects.filter(pk=muted.pk), date_field="hire_date",
        offsets=(0,), recipients=lambda user: [user.pk], title=lambda user, offset: "Deadline now", critical=True,
    ))
    reminders_sweep(today=DUE - timedelta(days=1))
    reminders_sweep(today=DUE)

    control_notices = Notification.objects.filter(recipient=muted, reason="controls.review_due")
    assert set(control_notices.values_list("status", flat=True)) == {Notification.Status.MUTED}
    critical = Notification.objects.filter(recipient=muted, reason="tests.deadline")
    assert dict(critical.values_list("channel", "status")) == {
        Channel.IN_APP: Notification.Status.SENT, Channel.EMAIL: Notification.Status.PENDING}


def test_a_digest_reader_gets_the_email_held_for_the_digest():
    owner = UserFactory()
    NotificationPreference.objects.create(user=owner, daily_digest=True)
    make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE - timedelta(days=7))

    assert emails_for(owner).get().status == Notification.Status.DIGEST


def test_only_the_rows_a_sweep_created_are_queued_for_delivery(django_capture_on_commit_callbacks):
    owner = UserFactory()
    make_control(owner=owner, due=DUE)

    with django_capture_on_commit_callbacks(execute=True) as first:
        report = reminders_sweep(today=DUE - timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True) as second:
        again = reminders_sweep(today=DUE - timedelta(days=7))

    assert (report.created, report.emails_queued, len(first)) == (1, 1, 1)
    assert (again.created, again.emails_queued, len(second)) == (0, 0, 0)
    assert emails_for(owner).get().status == Notification.Status.SENT


def test_a_sweep_that_created_notices_writes_one_audit_event():
    make_control(owner=UserFactory(), due=DUE)
    make_control(owner=UserFactory(), due=DUE)

    reminders_sweep(today=DUE - timedelta(days=7))
    reminders_sweep(today=DUE - timedelta(days=7))

    event = AuditEvent.objects.get(action=AuditAction.REMINDERS_SWEPT)
    assert event.changes["created"] == 2


def test_a_dry_run_changes_nothing():
    make_control(owner=UserFactory(), due=DUE)
    seen = []

    report = reminders_sweep(today=DUE - timedelta(days=7), dry_run=True, on_notice=lambda n, new: seen.append(new))

    assert report.due == 1 and seen == [True]
    assert not Notification.objects.exists()


def _sweep_queries(count: int, dpo) -> int:
    for _ in range(count):
        make_control(owner=UserFactory(manager=UserFactory()), due=DUE)
    with CaptureQueriesContext(connection) as ctx:
        report = reminders_sweep(today=DUE + timedelta(days=7))
    assert report.created == count * 3
    assert Notification.objects.filter(recipient=dpo).count() == count * 2
    Notification.objects.all().delete()
    Control.objects.all().delete()
    return len(ctx.captured_queries)


def test_the_sweep_runs_a_fixed_number_of_queries_whatever_the_number_of_due_items(settings):
    settings.REMINDER_BATCH_SIZE = 500
    dpo = UserFactory(roles=[Role.DPO])
    _sweep_queries(1, dpo)  # the first audit event creates the chain head
    # Sizes stay under SQLite's 999-parameter insert batch (about 45 rows); PostgreSQL inserts far more at once.
    assert _sweep_queries(2, dpo) == _sweep_queries(7, dpo)


def test_the_sweep_works_through_several_batches(settings):
    settings.REMINDER_BATCH_SIZE = 2
    owners = [UserFactory() for _ in range(5)]
    for owner in owners:
        make_control(owner=owner, due=DUE)

    assert reminders_sweep(today=DUE - timedelta(days=1)).created == 5
    assert all(in_app(owner).count() == 1 for owner in owners)
