"""Reminder rules read their objects as rows and name people by user id; the notices stay as they were."""

import hashlib
from datetime import date, timedelta

import pytest
from django.db.models import Model

from portal.accounts.roles import Role
from portal.core.links import cached_reverse
from portal.notifications.models import Channel, Notification, NotificationPreference
from portal.notifications.registry import ReminderRule
from portal.notifications.selectors import calendar_entries_for
from portal.notifications.sweep import reminders_sweep
from tests.controls.factories import EvidenceFactory
from tests.factories import UserFactory
from tests.notifications.conftest import emails_for, in_app, make_control

pytestmark = pytest.mark.django_db
only_control_rules = pytest.mark.usefixtures("only_control_rules")

DUE = date(2026, 3, 20)


def detail_url(control) -> str:
    return cached_reverse("controls:detail", args=[control.pk])


def _key(*parts) -> str:
    """The notice key as rows already in the database carry it: a changed formula would send them all again."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


@only_control_rules
def test_a_review_reminder_is_stored_exactly_as_before():
    owner = UserFactory()
    control = make_control(owner=owner, due=DUE, reference="BK-01", title="Encrypted backups")

    reminders_sweep(today=DUE - timedelta(days=7))

    notice, email = in_app(owner).get(), emails_for(owner).get()
    for row, channel in ((notice, Channel.IN_APP), (email, Channel.EMAIL)):
        assert row.key == _key(owner.pk, channel, "controls.review_due", "controls.control", control.pk,
                               "2026-03-20-7")
        assert (row.reason, row.subject_type, row.subject_id) == ("controls.review_due", "controls.control",
                                                                   str(control.pk))
        assert (row.due_date, row.offset_days, row.critical, row.escalation) == (DUE, -7, False, False)
        assert row.title == "Review of BK-01 Encrypted backups is due in 7 days"
        assert row.link == detail_url(control) and row.body == ""
        assert (row.attempts, row.last_error, row.read_at) == (0, "", None)
    assert notice.status == Notification.Status.SENT and notice.sent_at == notice.created_at
    assert email.status == Notification.Status.PENDING and email.sent_at is None


@only_control_rules
def test_an_escalation_is_keyed_and_marked_per_person_and_tells_a_manager_who_is_a_dpo_once():
    manager = UserFactory(roles=[Role.DPO])
    other_dpo = UserFactory(roles=[Role.DPO])
    owner = UserFactory(manager=manager)
    control = make_control(owner=owner, due=DUE)

    reminders_sweep(today=DUE + timedelta(days=7))

    rows = Notification.objects.filter(channel=Channel.IN_APP)
    assert sorted(rows.values_list("recipient_id", "escalation")) == sorted(
        [(owner.pk, False), (manager.pk, True), (other_dpo.pk, True)])
    for row in rows:
        assert row.key == _key(row.recipient_id, Channel.IN_APP, "controls.review_due", "controls.control",
                               control.pk, "2026-03-20+7")
    assert Notification.objects.count() == 6


@only_control_rules
def test_an_inactive_owner_is_not_reminded():
    owner = UserFactory(is_active=False)
    make_control(owner=owner, due=DUE)

    report = reminders_sweep(today=DUE - timedelta(days=7))

    assert report.due == 0 and not Notification.objects.exists()


def test_the_evidence_reminder_reads_its_control_through_the_row():
    owner = UserFactory()
    control = make_control(owner=owner, due=DUE + timedelta(days=200), reference="IAM-01")
    EvidenceFactory(control=control, title="MFA check", valid_until=DUE + timedelta(days=7))

    reminders_sweep(today=DUE, rule_names=["controls.evidence_expiring"])

    notice = in_app(owner).get()
    assert notice.title == "Evidence “MFA check” for IAM-01 expires in 7 days"
    assert notice.link == detail_url(control) and notice.subject_type == "controls.evidence"


def test_a_rules_callbacks_get_a_row_of_the_fields_it_declares(temporary_rule):
    owner = UserFactory(manager=UserFactory())
    control = make_control(owner=owner, due=DUE, reference="BK-02")
    seen = []

    def title(row, offset):
        seen.append(row)
        return f"{row.reference} for {row.owner__manager_id}"

    temporary_rule(ReminderRule(
        name="tests.rows", queryset=lambda: type(control).objects.all(), date_field="next_review_due",
        offsets=(0,), fields=("reference", "owner_id", "owner__manager_id"),
        recipients=lambda row: [row.owner_id], title=title,
    ))

    reminders_sweep(today=DUE, rule_names=["tests.rows"])

    (row,) = seen
    assert not isinstance(row, Model)
    assert tuple(row) == (control.pk, DUE, "BK-02", owner.pk, owner.manager_id)
    assert in_app(owner).get().title == f"BK-02 for {owner.manager_id}"


def test_a_rule_may_not_list_its_pk_or_date_among_its_fields():
    with pytest.raises(ValueError, match="fields"):
        ReminderRule(name="tests.bad", queryset=lambda: None, date_field="due", offsets=(0,),
                     fields=("due",), recipients=lambda row: [], title=lambda row, offset: "")


def test_a_recipient_must_be_named_by_user_id(temporary_rule):
    owner = UserFactory()
    temporary_rule(ReminderRule(
        name="tests.instance", queryset=lambda: type(owner).objects.filter(pk=owner.pk), date_field="hire_date",
        offsets=(0,), recipients=lambda row: [owner], title=lambda row, offset: "",
    ))
    type(owner).objects.filter(pk=owner.pk).update(hire_date=DUE)

    with pytest.raises(TypeError, match="user id"):
        reminders_sweep(today=DUE, rule_names=["tests.instance"])


@only_control_rules
def test_preferences_still_decide_the_channels_states():
    muted, digest = UserFactory(), UserFactory()
    NotificationPreference.objects.create(user=muted, in_app=False, email=False)
    NotificationPreference.objects.create(user=digest, daily_digest=True)
    make_control(owner=muted, due=DUE)
    make_control(owner=digest, due=DUE)

    reminders_sweep(today=DUE - timedelta(days=7))

    assert dict(Notification.objects.filter(recipient=muted).values_list("channel", "status")) == {
        Channel.IN_APP: Notification.Status.MUTED, Channel.EMAIL: Notification.Status.MUTED}
    assert in_app(muted).get().sent_at is None
    assert dict(Notification.objects.filter(recipient=digest).values_list("channel", "status")) == {
        Channel.IN_APP: Notification.Status.SENT, Channel.EMAIL: Notification.Status.DIGEST}


@only_control_rules
def test_a_dry_run_tells_new_notices_from_those_already_sent():
    make_control(owner=UserFactory(), due=DUE)
    reminders_sweep(today=DUE - timedelta(days=7))
    make_control(owner=UserFactory(), due=DUE)
    seen = []

    report = reminders_sweep(today=DUE - timedelta(days=7), dry_run=True,
                             on_notice=lambda notice, new: seen.append(new))

    assert report.due == 2 and sorted(seen) == [False, True]
    assert Notification.objects.count() == 2


def test_the_calendar_lists_review_and_evidence_dates_from_the_rows():
    me = UserFactory()
    control = make_control(owner=me, due=DUE + timedelta(days=10), reference="BK-03", title="Backups")
    EvidenceFactory(control=control, title="Restore test", valid_until=DUE + timedelta(days=20))
    make_control(owner=UserFactory(), due=DUE + timedelta(days=10), reference="XX-99")

    entries = calendar_entries_for(me, today=DUE)

    assert [(e["date"], e["summary"], e["link"]) for e in entries] == [
        (DUE + timedelta(days=10), "Review due: BK-03 Backups", detail_url(control)),
        (DUE + timedelta(days=20), "Evidence expires: BK-03 Restore test", detail_url(control)),
    ]
