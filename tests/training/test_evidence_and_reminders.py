from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from controls.models import Evidence
from portal.accounts.roles import Role
from portal.notifications.models import Notification
from portal.notifications.sweep import reminders_sweep
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, ProfileFactory, full_course
from training.digest import dpo_digest_send
from training.evidence import evidence_snapshot_monthly, live_completion_fact
from training.models import Assignment, EvidenceSnapshot

pytestmark = pytest.mark.django_db


def test_the_monthly_evidence_snapshot_is_written_once_per_month():
    control = ControlFactory(reference="TOM-AWR-01")
    course = full_course()
    AssignmentFactory(user=ProfileFactory().user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-03-01T10:00Z")
    AssignmentFactory(user=ProfileFactory().user, course=course)
    first = evidence_snapshot_monthly(today=date(2026, 3, 2))
    assert first is not None and float(first.completion_percent) == 50.0
    assert evidence_snapshot_monthly(today=date(2026, 3, 20)) is None
    assert evidence_snapshot_monthly(today=date(2026, 3, 31)) is None
    assert EvidenceSnapshot.objects.count() == 1
    evidence = Evidence.objects.get(control=control)
    assert "50.0 %" in evidence.text
    assert evidence_snapshot_monthly(today=date(2026, 4, 1)) is not None
    assert Evidence.objects.filter(control=control).count() == 2


def test_the_awareness_control_shows_the_live_completion_rate(signed_in):
    client, _dpo = signed_in(Role.DPO)
    control = ControlFactory(reference="TOM-AWR-01")
    course = full_course()
    AssignmentFactory(user=ProfileFactory().user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-03-01T10:00Z")
    response = client.get(reverse("controls:detail", args=[control.pk]))
    assert b"Training completion" in response.content and b"100.0 %" in response.content
    other = ControlFactory(reference="TOM-ENC-01")
    assert b"Training completion" not in client.get(reverse("controls:detail", args=[other.pk])).content


def test_employees_are_reminded_and_the_manager_at_seven_days_overdue():
    manager = UserFactory()
    profile = ProfileFactory(manager=manager)
    course = full_course(title="Incident response")
    with time_machine.travel("2026-03-01 08:00Z"):
        AssignmentFactory(user=profile.user, course=course, due_date=date(2026, 3, 1) + timedelta(days=14))
        AssignmentFactory(user=profile.user, course=full_course(), due_date=date(2026, 3, 1) - timedelta(days=7))
        reminders_sweep()
    mine = Notification.objects.filter(recipient=profile.user, reason="training.assignment_due")
    titles = set(mine.values_list("title", flat=True))
    assert any("due in 14 days" in t for t in titles)
    assert any("7 days overdue" in t for t in titles)
    assert Notification.objects.filter(recipient=manager, reason="training.assignment_due").exists()
    with time_machine.travel("2026-03-01 09:00Z"):
        reminders_sweep()
    assert Notification.objects.filter(recipient=profile.user, reason="training.assignment_due").count() == mine.count()


def test_the_dpo_digest_goes_out_once_a_week():
    dpo = UserFactory(roles=[Role.DPO])
    AssignmentFactory(user=ProfileFactory().user, course=full_course(), due_date=date(2026, 2, 1))
    assert dpo_digest_send(today=date(2026, 3, 2)) == 1
    assert dpo_digest_send(today=date(2026, 3, 4)) == 0
    notice = Notification.objects.filter(recipient=dpo, reason="training.dpo_digest").first()
    assert "1 overdue" in notice.title
    assert dpo_digest_send(today=date(2026, 3, 9)) == 1


def test_the_dpo_digest_carries_a_signed_audit_checkpoint_that_verifies_the_trail(
        mailoutbox, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    from portal.audit.checkpoints import Checkpoint, checkpoint_latest
    from portal.audit.models import AuditAction
    from portal.audit.services import audit_record

    UserFactory(roles=[Role.DPO])
    audit_record(action=AuditAction.LOGIN)
    with django_capture_on_commit_callbacks(execute=True):
        assert dpo_digest_send(today=date(2026, 3, 2)) == 1
    latest = checkpoint_latest()
    [mail] = [m for m in mailoutbox if latest.as_line() in m.body]
    line = next(text for text in mail.body.splitlines() if text.startswith("#"))
    assert Checkpoint.from_line(line) == latest
    call_command("verify_audit_trail", "--checkpoint", line)


def test_the_employee_hears_at_7_and_1_days_and_a_day_overdue_without_the_manager():
    manager = UserFactory()
    profile = ProfileFactory(manager=manager)
    today = date(2026, 3, 1)
    with time_machine.travel("2026-03-01 08:00Z"):
        for days in (7, 1, -1, 3):
            AssignmentFactory(user=profile.user, course=full_course(title=f"Course due {days}"),
                              due_date=today + timedelta(days=days))
        reminders_sweep()
    titles = sorted(set(Notification.objects.filter(recipient=profile.user, reason="training.assignment_due")
                        .values_list("title", flat=True)))
    assert titles == [f"Training “Course due -1” of {profile.user.full_name} is 1 day overdue",
                      "Training “Course due 1” is due in 1 day", "Training “Course due 7” is due in 7 days"]
    assert not Notification.objects.filter(recipient=manager).exists()


def _one_of_three_completed_two_overdue():
    course = full_course()
    AssignmentFactory(user=ProfileFactory().user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-03-01T10:00Z")
    AssignmentFactory(user=ProfileFactory().user, course=course, due_date=date(2026, 2, 1))
    AssignmentFactory(user=ProfileFactory().user, course=course, due_date=date(2026, 2, 1))


def test_the_dpo_digest_is_written_in_each_dpos_language_with_their_numbers_and_dates(settings):
    from portal.audit.models import AuditAction
    from portal.audit.services import audit_record

    settings.LANGUAGE_CODE = "en"
    audit_record(action=AuditAction.LOGIN)  # a trail to checkpoint
    german, english = UserFactory(roles=[Role.DPO], language="de"), UserFactory(roles=[Role.DPO], language="en")
    _one_of_three_completed_two_overdue()
    with translation.override("en"):
        assert dpo_digest_send(today=date(2026, 3, 2)) == 2
    notices = {n.recipient_id: n for n in Notification.objects.filter(reason="training.dpo_digest",
                                                                       channel="in_app")}
    assert notices[german.pk].title == "Wöchentliche Schulungsübersicht: 33,3 % abgeschlossen, 2 überfällig"
    assert "Abschlussquote: 33,3 % (1 von 3)." in notices[german.pk].body
    assert "(01.02.2026)" in notices[german.pk].body and "Prüfpunkt des Audit-Protokolls" in notices[german.pk].body
    assert notices[english.pk].title == "Weekly training digest: 33.3 % complete, 2 overdue"
    assert "(1 Feb 2026)" in notices[english.pk].body and "Audit trail checkpoint" in notices[english.pk].body


def test_the_monthly_evidence_writes_the_rate_and_dates_as_german_does_on_a_german_install():
    control = ControlFactory(reference="TOM-AWR-01")
    _one_of_three_completed_two_overdue()
    with translation.override("de"):
        evidence_snapshot_monthly(today=date(2026, 3, 2))
        fact = live_completion_fact(control)[0][1]
    evidence = Evidence.objects.get(control=control)
    assert evidence.title == "Abschlussquote der Schulungen, März 2026"
    assert evidence.text.startswith("Abschlussquote der Schulungen am 02.03.2026: 33,3 % (1 von 3 ")
    assert fact.startswith("33,3 % (1 von 3")
