from datetime import UTC, date, datetime, timedelta

import pytest

from portal.notifications.models import Notification
from portal.notifications.sweep import reminders_sweep
from portal.retention import engine
from portal.retention.models import RetentionRun
from portal.retention.tasks import retention_run_nightly_task
from tests.factories import UserFactory
from tests.retention.builders import at, notification

pytestmark = pytest.mark.django_db


def test_the_policy_owner_is_reminded_a_month_before_the_review_and_the_dpo_when_it_is_a_week_late(policy):
    owner, dpo = UserFactory(), UserFactory(roles=["DPO"])
    due = date(2026, 9, 1)
    policy("notifications", 6, owner=owner, next_review_due=due, data_category="Reminders to staff")
    assert reminders_sweep(today=due - timedelta(days=31)).created == 0
    reminders_sweep(today=due - timedelta(days=30))
    notice = Notification.objects.get(reason="retention.policy_review_due", recipient=owner, channel="in_app")
    assert "Reminders to staff" in notice.title and "30 days" in notice.title
    reminders_sweep(today=due + timedelta(days=7))
    assert Notification.objects.filter(reason="retention.policy_review_due", recipient=dpo).exists()


def test_the_nightly_task_applies_the_schedule_and_skips_while_a_run_is_in_progress(policy):
    policy("notifications", 6)
    with at(datetime(2026, 1, 1, tzinfo=UTC)):
        notification(UserFactory())
    with at(datetime(2026, 8, 1, tzinfo=UTC)):
        result = retention_run_nightly_task.delay().get()
        assert result["records"] == 1 and not Notification.objects.exists()
        assert RetentionRun.objects.get(pk=result["run"]).trigger == RetentionRun.Trigger.NIGHTLY
        engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
        assert retention_run_nightly_task.delay().get() == {"skipped": "busy"}
