"""The sweep's PostgreSQL path (rows written as COPY text, one INSERT .. ON CONFLICT) stores what the rules say."""

from datetime import date, timedelta

import pytest
from django.db import connection

from controls.models import Control
from portal.accounts.roles import Role
from portal.notifications import registry
from portal.notifications.models import Channel, Notification, NotificationPreference
from portal.notifications.registry import ReminderRule
from portal.notifications.services import notice_send
from portal.notifications.sweep import reminders_sweep
from tests.factories import UserFactory
from tests.notifications.conftest import emails_for, in_app, make_control

pytestmark = pytest.mark.django_db

DUE = date(2026, 3, 20)
AWKWARD = "Tab\there, line\nbreak, return\r, back\\slash and a literal \\N"


@pytest.fixture
def awkward_rule():
    rule = registry.register(ReminderRule(
        name="tests.awkward", queryset=lambda: Control.objects.filter(reference="AW-01"),
        date_field="next_review_due", offsets=(0,), fields=("owner_id",), recipients=lambda row: [row.owner_id],
        title=lambda row, offset: AWKWARD + " " * 300, link=lambda row: f"/x/{AWKWARD}",
    ))
    yield rule
    registry.unregister(rule.name)


def test_text_with_tabs_newlines_and_backslashes_is_stored_as_written(awkward_rule):
    assert connection.vendor == "postgresql"
    owner = UserFactory()
    make_control(owner=owner, due=DUE, reference="AW-01")

    reminders_sweep(today=DUE, rule_names=[awkward_rule.name])
    notice_send(recipient=owner, reason="tests.event", title=AWKWARD, moment="m", body=AWKWARD)

    swept = in_app(owner, reason="tests.awkward").get()
    assert swept.title == (AWKWARD + " " * 300)[:200] and swept.link == f"/x/{AWKWARD}"
    sent = in_app(owner, reason="tests.event").get()
    assert (sent.title, sent.body, sent.subject_type, sent.due_date, sent.offset_days) == (
        AWKWARD, AWKWARD, "", None, None)


def test_statuses_escalation_and_timestamps_on_postgresql():
    manager = UserFactory()
    dpo = UserFactory(roles=[Role.DPO])
    muted = UserFactory(manager=manager)
    NotificationPreference.objects.create(user=muted, in_app=False, email=False)
    digest = UserFactory()
    NotificationPreference.objects.create(user=digest, daily_digest=True)
    make_control(owner=muted, due=DUE)  # a week overdue: escalated
    make_control(owner=digest, due=DUE + timedelta(days=14))  # due in a week

    report = reminders_sweep(today=DUE + timedelta(days=7))

    assert (report.due, report.created, report.emails_queued) == (4, 4, 2)
    assert dict(Notification.objects.filter(recipient=muted).values_list("channel", "status")) == {
        Channel.IN_APP: Notification.Status.MUTED, Channel.EMAIL: Notification.Status.MUTED}
    assert emails_for(digest).get().status == Notification.Status.DIGEST
    for person in (manager, dpo):
        notice = in_app(person).get()
        assert notice.escalation and notice.status == Notification.Status.SENT
        assert notice.sent_at == notice.created_at and emails_for(person).get().sent_at is None
    assert not Notification.objects.filter(batch__isnull=False).exists()
    assert set(Notification.objects.values_list("attempts", "last_error")) == {(0, "")}

    again = reminders_sweep(today=DUE + timedelta(days=7))

    assert (again.due, again.created, again.emails_queued) == (4, 0, 0)
    assert Notification.objects.count() == 8
