"""Training records of leavers: deleted when the training policy's period after the leaving date has passed."""

from datetime import UTC, date, datetime

import pytest

from portal.retention import engine, services
from portal.retention.models import RetentionRun
from tests.factories import UserFactory
from tests.retention.builders import at
from tests.training.factories import AssignmentFactory, ProfileFactory
from training.models import Assignment, QuizAttempt

pytestmark = pytest.mark.django_db


def run_now() -> RetentionRun:
    run = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
    return engine.retention_run_execute(run_id=run.pk)


def test_a_leavers_training_records_go_when_the_period_after_leaving_ends_and_not_a_day_earlier(policy):
    policy("training-records", 36, counts_from="leaving_date")
    leaver = ProfileFactory(leaving_date=date(2026, 3, 31)).user
    stayer = ProfileFactory().user
    done = AssignmentFactory(user=leaver, status=Assignment.Status.COMPLETED, score_percent=90)
    attempt = QuizAttempt.objects.create(assignment=done, score_percent=90, passed=True)
    AssignmentFactory(user=leaver)
    kept = AssignmentFactory(user=stayer)
    with at(datetime(2029, 3, 30, 12, 0, tzinfo=UTC)):
        run_now()
    assert Assignment.objects.filter(user=leaver).count() == 2
    with at(datetime(2029, 3, 31, 12, 0, tzinfo=UTC)):
        run = run_now()
    assert not Assignment.objects.filter(user=leaver).exists()
    assert list(Assignment.objects.values_list("pk", flat=True)) == [kept.pk]
    assert run.counts["training.leavers_records"]["done"] == 2
    assert not QuizAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_legal_hold_on_the_leaver_keeps_their_training_records(policy):
    policy("training-records", 36, counts_from="leaving_date")
    leaver = ProfileFactory(leaving_date=date(2026, 3, 31)).user
    AssignmentFactory(user=leaver)
    services.legal_hold_set(obj=leaver, reason="Claim about a missed mandatory training",
                            actor=UserFactory(roles=["DPO"]))
    with at(datetime(2030, 1, 1, tzinfo=UTC)):
        run = run_now()
    assert Assignment.objects.filter(user=leaver).count() == 1
    assert run.counts["training.leavers_records"]["held"] == 1
