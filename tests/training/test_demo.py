from datetime import timedelta

import pytest
from django.utils import timezone

from controls import demo as controls_demo
from portal.accounts.demo import seed_users
from training import demo
from training.models import Assignment, Course, Department, EmployeeProfile, EvidenceSnapshot
from training.selectors import report

pytestmark = pytest.mark.django_db


def test_the_demo_seed_shows_departments_managers_and_every_state_and_is_idempotent():
    seed_users()
    controls_demo.seed()
    demo.seed()
    today = timezone.localdate()
    snapshot = sorted(Assignment.objects.values_list("user_id", "course_id", "status", "due_date"))
    assert set(Course.objects.values_list("title", flat=True)) == {
        "Data protection principles", "Incident response: recognising and reporting a breach"}
    assert Department.objects.count() == 3
    assert EmployeeProfile.objects.filter(manager__isnull=False).count() >= 9
    statuses = set(Assignment.objects.values_list("status", flat=True))
    assert {"completed", "assigned", "in_progress"} <= statuses
    assert Assignment.objects.filter(status="assigned", due_date__lt=today).exists()
    new_hire = EmployeeProfile.objects.get(hire_date__gte=today - timedelta(days=3))
    assert Assignment.objects.filter(user=new_hire.user, status="assigned").count() == 2
    assert EvidenceSnapshot.objects.count() == 1
    data = report()
    assert data["overall"]["rate"] and data["overdue"]
    assert sum(1 for month in data["trend"] if month["completed"]) >= 6  # the trend chart shows a trend
    demo.seed()
    assert sorted(Assignment.objects.values_list("user_id", "course_id", "status", "due_date")) == snapshot


def test_the_demo_has_german_speaking_employees_with_completed_training():
    seed_users()
    controls_demo.seed()
    demo.seed()
    german = Assignment.objects.filter(user__language="de", status="completed")
    assert german.filter(user__email="dsb@demo.annex.test").exists()
    assert german.values("user").distinct().count() >= 2
    assert Assignment.objects.filter(user__language="de").exclude(status="completed").exists()
