"""Each target of the backbones and the control inventory, applied by a real run."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command

from controls.models import Evidence
from controls.services_evidence import evidence_add, evidence_remove
from portal.audit.models import AuditEvent
from portal.audit.verification import verify_chain
from portal.exports.models import ExportJob
from portal.retention import engine, registry, services
from portal.retention.models import CountsFrom, RetentionRun
from portal.retention.registry import RetentionTarget
from portal.security.storage import encrypted_files_root
from tests.audit.chain import build_chain
from tests.controls.factories import ControlFactory
from tests.exports.builders import done_job
from tests.factories import UserFactory
from tests.retention.builders import at, notification

CREATED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def run_now() -> RetentionRun:
    run = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
    return engine.retention_run_execute(run_id=run.pk)


def stored_files() -> list:
    root = encrypted_files_root()
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.django_db(transaction=True)
def test_an_expired_export_loses_its_file_and_its_row_when_its_period_ends(policy):
    policy("export-files", 2, counts_from="expiry")
    with at(CREATED):
        job = done_job(UserFactory())
    assert len(stored_files()) == 1
    with at(datetime(2026, 3, 14, 12, 0, tzinfo=UTC)):
        run_now()
    assert ExportJob.objects.filter(pk=job.pk).exists() and len(stored_files()) == 1
    with at(datetime(2026, 3, 15, 12, 0, tzinfo=UTC)):
        run = run_now()
    assert not ExportJob.objects.filter(pk=job.pk).exists()
    assert stored_files() == []
    assert run.counts["exports.jobs"]["done"] == 1


@pytest.mark.django_db(transaction=True)
def test_removed_evidence_is_deleted_with_its_encrypted_file_a_year_after_removal(policy):
    policy("evidence-files", 12, counts_from="removal")
    owner = UserFactory(roles=["DPO"])
    control = ControlFactory(owner=owner)
    with at(CREATED):
        evidence = evidence_add(control=control, actor=owner, kind=Evidence.Kind.FILE, title="Scan report",
                                upload=io.BytesIO(b"scan results"), filename="scan.txt")
        kept = evidence_add(control=control, actor=owner, kind=Evidence.Kind.NOTE, title="Current check",
                            text="Checked today.")
        evidence_remove(evidence=evidence, actor=owner, reason="Uploaded to the wrong control.")
    assert len(stored_files()) == 1
    with at(datetime(2027, 1, 14, 12, 0, tzinfo=UTC)):
        run_now()
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    with at(datetime(2027, 1, 15, 12, 0, tzinfo=UTC)):
        run = run_now()
    assert list(Evidence.objects.values_list("pk", flat=True)) == [kept.pk]
    assert stored_files() == []
    assert run.counts["controls.evidence_removed"]["done"] == 1


@pytest.mark.django_db
def test_superseded_evidence_goes_when_its_validity_ended_a_period_ago_and_newer_evidence_exists(policy):
    policy("evidence-files", 12, counts_from="removal")
    owner = UserFactory(roles=["DPO"])
    control, alone = ControlFactory(owner=owner), ControlFactory(owner=owner)
    with at(CREATED):
        old = evidence_add(control=control, actor=owner, kind=Evidence.Kind.NOTE, title="Restore test 2025",
                           text="Restored in 40 minutes.", valid_until=date(2026, 2, 1))
        only = evidence_add(control=alone, actor=owner, kind=Evidence.Kind.NOTE, title="Only evidence",
                            text="Checked.", valid_until=date(2026, 2, 1))
    with at(datetime(2026, 2, 10, tzinfo=UTC)):
        evidence_add(control=control, actor=owner, kind=Evidence.Kind.NOTE, title="Restore test 2026",
                     text="Restored in 35 minutes.", valid_until=date(2027, 2, 1))
    with at(datetime(2027, 1, 31, 12, 0, tzinfo=UTC)):
        run_now()
    assert Evidence.objects.filter(pk=old.pk).exists()
    with at(datetime(2027, 2, 1, 0, 30, tzinfo=UTC)):
        run_now()
    assert not Evidence.objects.filter(pk=old.pk).exists()
    assert Evidence.objects.filter(pk=only.pk).exists()  # expired but not superseded: the control needs it


@pytest.mark.django_db
def test_old_audit_events_are_sealed_and_removed_and_the_rest_of_the_trail_still_verifies(policy):
    policy("audit-trail", 36)
    with at(CREATED):
        old = build_chain(5)
    with at(datetime(2027, 6, 1, tzinfo=UTC)):
        recent = build_chain(3)
    with at(datetime(2029, 1, 16, tzinfo=UTC)):
        run = run_now()
    assert run.counts["audit.events"]["done"] == 5
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in recent]).count() == 3
    report = verify_chain()
    assert report.intact, report.problem
    assert report.first_seq == recent[0].seq
    seal = AuditEvent.objects.get(action="audit.sealed")
    assert seal.changes["through_seq"] == old[-1].seq and seal.changes["last_hash"] == old[-1].hash
    call_command("verify_audit_trail")


@pytest.mark.django_db
def test_a_trail_cut_at_the_start_without_a_seal_is_still_reported_as_missing(policy):
    build_chain(4)
    AuditEvent.objects.filter(seq__lte=2).delete()  # SQLite has no trigger; this is the attacker's cut
    report = verify_chain()
    assert not report.intact and report.problem.fault == "missing"


@pytest.mark.django_db
def test_an_edited_seal_checkpoint_breaks_the_chain(policy):
    policy("audit-trail", 36)
    with at(CREATED):
        build_chain(3)
    with at(datetime(2029, 1, 16, tzinfo=UTC)):
        run_now()
    seal = AuditEvent.objects.get(action="audit.sealed")
    AuditEvent.objects.filter(pk=seal.pk).update(changes={**seal.changes, "removed": 1})
    assert not verify_chain().intact


@pytest.mark.django_db
def test_a_hold_on_a_user_stops_the_seal_before_their_first_event(policy):
    policy("audit-trail", 36)
    dpo, person = UserFactory(roles=["DPO"]), UserFactory()
    with at(CREATED):
        first = build_chain(2)
        held = build_chain(1, actor=person)
        build_chain(2)
    services.legal_hold_set(obj=person, reason="Works council inquiry", actor=dpo)
    with at(datetime(2029, 1, 16, tzinfo=UTC)):
        run = run_now()
    assert run.counts["audit.events"]["done"] == 2
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in first]).exists()
    assert AuditEvent.objects.filter(pk=held[0].pk).exists()
    assert verify_chain().intact


@pytest.fixture
def anonymising_target():
    target = registry.register(RetentionTarget(
        name="tests.anonymised_notices", label="Anonymised notices", policy="anon-test",
        queryset=lambda: __import__("portal.notifications.models", fromlist=["Notification"]).Notification.objects
        .exclude(title="(anonymised)"),
        date_field="created_at", counts_from=CountsFrom.CREATION, action="anonymise",
        anonymise_fields={"title": "(anonymised)", "body": "", "link": ""},
    ))
    yield target
    registry.unregister(target.name)


@pytest.mark.django_db
def test_an_anonymising_target_clears_its_fields_keeps_the_row_and_a_second_run_does_nothing(
    policy, anonymising_target
):
    from portal.notifications.models import Notification

    policy("anon-test", 1, action="anonymise")
    with at(CREATED):
        notice = notification(UserFactory(), title="Review for Zoë Example")
    with at(datetime(2026, 3, 1, tzinfo=UTC)):
        first, second = run_now(), run_now()
    notice = Notification.objects.get(pk=notice.pk)
    assert notice.title == "(anonymised)" and notice.reason == "controls.review_due"
    assert first.counts["tests.anonymised_notices"]["done"] == 1
    assert second.counts["tests.anonymised_notices"]["done"] == 0
