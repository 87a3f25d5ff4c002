"""The purge engine: periods to the day, legal holds, dry runs, idempotent and resumable runs."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.retention import engine, registry, services
from portal.retention.models import CountsFrom, LegalHold, RetentionRun
from portal.retention.registry import RetentionTarget
from tests.factories import UserFactory
from tests.retention.builders import at, notification

CREATED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def run_now(trigger=RetentionRun.Trigger.COMMAND) -> RetentionRun:
    run = engine.retention_run_start(trigger=trigger)
    return engine.retention_run_execute(run_id=run.pk)


@pytest.mark.django_db
def test_a_notification_is_deleted_when_its_period_ends_and_not_a_day_earlier(policy):
    policy("notifications", 6)
    with at(CREATED):
        kept_longer = notification(UserFactory(), at=datetime(2026, 1, 16, 12, 0, tzinfo=UTC))
        due = notification(UserFactory())
    with at(datetime(2026, 7, 14, 12, 0, tzinfo=UTC)):
        run = run_now()
    assert Notification.objects.filter(pk=due.pk).exists()
    assert run.counts["notifications.notices"]["done"] == 0
    with at(datetime(2026, 7, 15, 12, 0, tzinfo=UTC)):
        run = run_now()
    assert not Notification.objects.filter(pk=due.pk).exists()
    assert Notification.objects.filter(pk=kept_longer.pk).exists()
    assert run.counts["notifications.notices"] == {"policy": "notifications", "action": "delete", "done": 1,
                                                   "batches": 1, "held": 0}


def _two_recipients_notified(policy):
    """A 6-month notifications policy; a DPO; a notice created at CREATED for the person to be held and another."""
    policy("notifications", 6)
    dpo = UserFactory(roles=["DPO"])
    held_person = UserFactory()
    with at(CREATED):
        held = notification(held_person)
        notification(UserFactory())
    return dpo, held_person, held


@pytest.mark.django_db
def test_a_legal_hold_on_the_recipient_keeps_their_notifications_until_it_is_released(policy):
    dpo, held_person, held = _two_recipients_notified(policy)
    with at(datetime(2026, 1, 20, tzinfo=UTC)):
        hold = services.legal_hold_set(obj=held_person, reason="Claim by a former employee, case 2026-04", actor=dpo)
    with at(datetime(2026, 8, 1, tzinfo=UTC)):
        run = run_now()
    assert list(Notification.objects.values_list("pk", flat=True)) == [held.pk]
    assert run.counts["notifications.notices"]["held"] == 1
    services.legal_hold_release(hold=hold, reason="The claim was settled.", actor=dpo)
    with at(datetime(2026, 8, 2, tzinfo=UTC)):
        run_now()
    assert not Notification.objects.exists()
    assert AuditEvent.objects.filter(action="retention.hold_set", target_id=str(held_person.pk)).count() == 1


@pytest.mark.django_db
def test_a_hold_set_while_a_run_is_under_way_is_seen_before_the_next_batch(policy, monkeypatch):
    dpo, held_person, held = _two_recipients_notified(policy)
    read = engine.active_holds
    calls = []

    def read_before_the_hold_then_now():
        # The run reads its holds at the start; the hold below is committed after that read.
        calls.append(1)
        return {} if len(calls) == 1 else read()

    monkeypatch.setattr(engine, "active_holds", read_before_the_hold_then_now)
    services.legal_hold_set(obj=held_person, reason="Claim by a former employee, case 2026-07", actor=dpo)
    with at(datetime(2026, 8, 1, tzinfo=UTC)):
        run = run_now()

    assert list(Notification.objects.values_list("pk", flat=True)) == [held.pk]
    assert run.counts["notifications.notices"]["held"] == 1 and run.counts["notifications.notices"]["done"] == 1


@pytest.mark.django_db
def test_a_hold_is_refused_without_a_reason_and_changes_nothing(policy):
    dpo = UserFactory(roles=["DPO"])
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.legal_hold_set(obj=UserFactory(), reason="  ", actor=dpo)
    assert not LegalHold.objects.exists()


@pytest.mark.django_db
def test_the_dry_run_lists_what_would_go_and_changes_nothing(policy, capsys):
    policy("notifications", 6)
    with at(CREATED):
        notification(UserFactory())
        notification(UserFactory())
    events_before = AuditEvent.objects.count()
    with at(datetime(2026, 9, 1, tzinfo=UTC)):
        call_command("apply_retention", "--dry-run")
    output = capsys.readouterr().out
    assert "notifications.notices" in output and "Dry run: nothing was changed." in output
    line = next(line for line in output.splitlines() if "notifications.notices" in line)
    assert line.split()[-3:] == ["2", "0", "2"]
    assert Notification.objects.count() == 2
    assert not RetentionRun.objects.exists()
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
def test_a_second_run_purges_nothing_more(policy):
    policy("notifications", 6)
    with at(CREATED):
        for _ in range(3):
            notification(UserFactory())
    with at(datetime(2026, 9, 1, tzinfo=UTC)):
        first = run_now()
        second = run_now()
    assert first.counts["notifications.notices"]["done"] == 3
    assert second.pk != first.pk
    assert second.counts["notifications.notices"]["done"] == 0
    assert second.total_done == 0


@pytest.mark.django_db
def test_a_policy_set_to_review_only_counts_the_records_and_deletes_none(policy):
    policy("notifications", 6, action="review")
    with at(CREATED):
        notification(UserFactory())
    with at(datetime(2026, 9, 1, tzinfo=UTC)):
        run = run_now()
    assert Notification.objects.count() == 1
    assert run.counts["notifications.notices"]["action"] == "review"
    assert run.counts["notifications.notices"]["due"] == 1


class Crash(Exception):
    pass


@pytest.fixture
def crashing_target():
    """A target over notifications whose second batch fails, as a crash mid-run would."""
    calls = {"n": 0, "crash_on": 2}

    def delete(pks):
        calls["n"] += 1
        if calls["n"] == calls["crash_on"]:
            raise Crash("disk full")
        return Notification.objects.filter(pk__in=pks).delete()[0]

    target = registry.register(RetentionTarget(
        name="tests.crashing", label="Crashing notices", policy="crash-test",
        queryset=lambda: Notification.objects.all(), date_field="created_at", counts_from=CountsFrom.CREATION,
        action="delete", delete=delete, batch_size=2,
    ))
    yield calls
    registry.unregister(target.name)


@pytest.mark.django_db
def test_a_crash_mid_run_keeps_the_committed_batches_and_the_next_run_completes_without_counting_twice(
    policy, crashing_target
):
    policy("crash-test", 1)
    with at(CREATED):
        for _ in range(5):
            notification(UserFactory())
    with at(datetime(2026, 3, 1, tzinfo=UTC)):
        run = engine.retention_run_start(trigger=RetentionRun.Trigger.NIGHTLY)
        with pytest.raises(Crash):
            engine.retention_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RetentionRun.Status.FAILED
    assert run.counts["tests.crashing"]["done"] == 2  # the first batch committed, the second rolled back
    assert Notification.objects.count() == 3

    with at(datetime(2026, 3, 2, tzinfo=UTC)):
        resumed = engine.retention_run_start(trigger=RetentionRun.Trigger.NIGHTLY)
        assert resumed.pk == run.pk and resumed.attempts == 2
        done = engine.retention_run_execute(run_id=resumed.pk)
    assert done.status == RetentionRun.Status.DONE
    assert done.counts["tests.crashing"]["done"] == 5
    assert not Notification.objects.exists()
    assert done.as_of == run.as_of  # the resumed run measures from the moment it first started


@pytest.mark.django_db
def test_a_run_is_refused_while_another_is_in_progress(policy):
    engine.retention_run_start(trigger=RetentionRun.Trigger.NIGHTLY)
    with pytest.raises(engine.RetentionBusy):
        engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)


@pytest.mark.django_db
def test_a_run_writes_its_events_without_personal_data(policy):
    policy("notifications", 6)
    person = UserFactory(full_name="Zoë Example", email="zoe@example.test")
    with at(CREATED):
        notification(person, title="Review of TOM-ACC-01 for Zoë Example")
    with at(datetime(2026, 9, 1, tzinfo=UTC)):
        run = run_now()
    events = AuditEvent.objects.filter(action__startswith="retention.").order_by("seq")
    assert [e.action for e in events] == ["retention.run_started", "retention.batch_applied",
                                          "retention.run_completed"]
    for event in events:
        assert "Zoë" not in str(event.changes) and "zoe@" not in str(event.changes)
    assert "Zoë" not in str(run.counts)
