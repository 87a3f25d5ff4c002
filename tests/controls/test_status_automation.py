"""Expired evidence and overdue reviews put a control on "needs attention", and it returns when fixed."""

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from controls.audit_actions import ControlAction
from controls.models import Control, Evidence
from controls.services import control_record_review, control_update
from controls.services_evidence import evidence_add, evidence_remove
from controls.services_status import control_refresh_status, controls_refresh_status
from controls.tasks import control_status_sweep_task
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, EvidenceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 15)


def _status_events(control):
    return AuditEvent.objects.filter(action=ControlAction.CONTROL_STATUS_CHANGED, target_id=str(control.pk))


@time_machine.travel(TODAY, tick=False)
def test_expired_evidence_flips_the_control_to_needs_attention_and_new_evidence_flips_it_back():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.VERIFIED, next_review_due=TODAY + timedelta(days=90))
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=1))

    report = controls_refresh_status()

    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
    assert control.status_before_attention == Control.Status.VERIFIED
    assert control.attention_reason == "all evidence has expired"
    assert [c.reference for c in report.changes] == [control.reference]
    event = _status_events(control).get()
    assert event.actor is None
    assert event.changes["status"] == {"before": "verified", "after": "needs_attention"}
    assert event.changes["reason"]["after"] == "all evidence has expired"

    evidence_add(control=control, actor=owner, kind=Evidence.Kind.NOTE, title="Renewed certificate",
                 text="Issued 2025-06-15, valid one year.", valid_until=TODAY + timedelta(days=365))

    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED
    assert control.status_before_attention == "" and control.attention_reason == ""
    back = _status_events(control).order_by("-seq").first()
    assert back.actor == owner and back.changes["status"] == {"before": "needs_attention", "after": "verified"}


@time_machine.travel(TODAY, tick=False)
def test_evidence_that_has_not_expired_or_never_expires_keeps_the_status():
    control = ControlFactory(status=Control.Status.IMPLEMENTED)
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=10))
    EvidenceFactory(control=control, valid_until=TODAY)
    other = ControlFactory(status=Control.Status.IMPLEMENTED)
    EvidenceFactory(control=other, valid_until=None)
    without = ControlFactory(status=Control.Status.IMPLEMENTED)
    controls_refresh_status()
    for c in (control, other, without):
        c.refresh_from_db()
        assert c.status == Control.Status.IMPLEMENTED


@time_machine.travel(TODAY, tick=False)
def test_removing_the_last_current_evidence_puts_the_control_on_attention():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.VERIFIED)
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=3))
    current = EvidenceFactory(control=control, valid_until=TODAY + timedelta(days=3))
    evidence_remove(evidence=current, actor=owner, reason="Wrong file.")
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION


@time_machine.travel(TODAY, tick=False)
def test_an_overdue_review_flips_the_control_and_a_review_brings_it_back_with_the_outcome():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.IMPLEMENTED, next_review_due=TODAY - timedelta(days=1))
    change = control_refresh_status(control=control)
    assert change.reason == "review overdue"
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION

    control_record_review(control=control, actor=owner, outcome="effective", notes="Checked the TLS config.")
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED
    assert control.status_before_attention == ""


@time_machine.travel(TODAY, tick=False)
def test_a_review_does_not_clear_attention_while_all_evidence_is_expired():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.IMPLEMENTED, next_review_due=TODAY - timedelta(days=1))
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=1))
    control_record_review(control=control, actor=owner, outcome="effective", notes="Config fine.")
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
    assert control.status_before_attention == Control.Status.VERIFIED
    assert control.attention_reason == "all evidence has expired"


@time_machine.travel(TODAY, tick=False)
def test_a_status_a_person_chose_is_never_undone_by_the_automation():
    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, status=Control.Status.VERIFIED)
    control_record_review(control=control, actor=owner, outcome="ineffective", notes="TLS 1.0 still enabled.")
    controls_refresh_status()
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION
    assert not _status_events(control).exists()


@time_machine.travel(TODAY, tick=False)
def test_editing_the_status_by_hand_forgets_the_remembered_status():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(status=Control.Status.VERIFIED, next_review_due=TODAY - timedelta(days=5))
    control_refresh_status(control=control)
    control.refresh_from_db()
    assert control.status_before_attention == Control.Status.VERIFIED
    control_update(control=control, actor=dpo, expected_version=control.version,
                   status=Control.Status.IMPLEMENTED, next_review_due=TODAY + timedelta(days=30))
    control.refresh_from_db()
    assert control.status == Control.Status.IMPLEMENTED
    assert control.status_before_attention == ""
    controls_refresh_status()
    control.refresh_from_db()
    assert control.status == Control.Status.IMPLEMENTED


@time_machine.travel(TODAY, tick=False)
def test_moving_an_overdue_review_date_by_hand_returns_the_control_to_its_status():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(status=Control.Status.VERIFIED, next_review_due=TODAY - timedelta(days=5))
    control_refresh_status(control=control)
    control.refresh_from_db()
    control_update(control=control, actor=dpo, expected_version=control.version,
                   next_review_due=TODAY + timedelta(days=30))
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED


@time_machine.travel(TODAY, tick=False)
def test_retired_controls_are_left_alone():
    control = ControlFactory(status=Control.Status.RETIRED, next_review_due=TODAY - timedelta(days=400))
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=400))
    assert controls_refresh_status().changes == []
    control.refresh_from_db()
    assert control.status == Control.Status.RETIRED


@time_machine.travel(TODAY, tick=False)
def test_the_command_dry_run_reports_without_changing_anything():
    control = ControlFactory(reference="TOM-BCK-01", status=Control.Status.VERIFIED,
                             next_review_due=TODAY - timedelta(days=2))
    out = io.StringIO()
    call_command("refresh_control_status", "--dry-run", stdout=out)
    assert "would change TOM-BCK-01: verified -> needs_attention (review overdue)" in out.getvalue()
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED and not _status_events(control).exists()

    call_command("refresh_control_status", stdout=io.StringIO())
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION


@time_machine.travel(TODAY, tick=False)
def test_the_sweep_task_is_idempotent():
    control = ControlFactory(status=Control.Status.VERIFIED)
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=1))
    assert control_status_sweep_task.delay().get()["changed"] == 1
    assert control_status_sweep_task.delay().get()["changed"] == 0
    assert _status_events(control).count() == 1


def test_the_sweep_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["controls-status-sweep"]
    assert entry["task"] == "controls.status_sweep"


@time_machine.travel(TODAY, tick=False)
def test_the_detail_page_says_why_the_control_needs_attention(signed_in):
    from django.urls import reverse

    client, _ = signed_in(Role.AUDITOR)
    control = ControlFactory(status=Control.Status.VERIFIED)
    EvidenceFactory(control=control, valid_until=TODAY - timedelta(days=1))
    controls_refresh_status()
    page = client.get(reverse("controls:detail", args=[control.pk])).content.decode()
    assert "Needs attention automatically: all evidence has expired. It returns to verified" in page


@time_machine.travel(TODAY, tick=False)
def test_the_owner_is_reminded_before_evidence_expires():
    from portal.notifications.models import Notification
    from portal.notifications.sweep import reminders_sweep

    owner = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=owner, reference="TOM-IAM-01", next_review_due=TODAY + timedelta(days=200))
    EvidenceFactory(control=control, title="MFA check", valid_until=TODAY + timedelta(days=7))
    EvidenceFactory(control=control, title="Later", valid_until=TODAY + timedelta(days=20))
    EvidenceFactory(control=control, title="Withdrawn", valid_until=TODAY + timedelta(days=7),
                    removed_at=timezone.now(), removal_reason="Wrong")
    reminders_sweep()
    notices = Notification.objects.filter(reason="controls.evidence_expiring")
    assert {n.recipient for n in notices} == {owner}
    assert {n.title for n in notices} == {"Evidence “MFA check” for TOM-IAM-01 expires in 7 days"}
