from datetime import date

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.training.factories import (
    AssignmentFactory,
    CourseFactory,
    DepartmentFactory,
    ProfileFactory,
    course_for_everyone,
)
from training.models import Assignment, AudienceRule
from training.sweep import assignments_sweep

pytestmark = pytest.mark.django_db


def _pairs():
    return sorted(Assignment.objects.values_list("user_id", "course_id", "due_date", "status"))


def test_the_sweep_is_idempotent_run_twice_the_same_assignments():
    course_for_everyone()
    course_for_everyone()
    for _ in range(3):
        ProfileFactory()
    first = assignments_sweep(today=date(2026, 3, 1))
    before = _pairs()
    second = assignments_sweep(today=date(2026, 3, 1))
    assert first.created == 6
    assert second.created == 0
    assert _pairs() == before


def test_a_dry_run_counts_and_writes_nothing():
    course_for_everyone()
    ProfileFactory()
    result = assignments_sweep(today=date(2026, 3, 1), dry_run=True)
    assert result.created == 1
    assert Assignment.objects.count() == 0


def test_the_command_runs_the_sweep_and_its_dry_run(capsys):
    course = course_for_everyone(title="Data protection principles")
    ProfileFactory()
    call_command("assign_training", "--dry-run")
    assert "1 assignment(s) would be created" in capsys.readouterr().out
    assert not Assignment.objects.exists()
    call_command("assign_training")
    assert Assignment.objects.filter(course=course).count() == 1
    assert AuditEvent.objects.filter(action="training.assignments_swept").count() == 1


def test_a_new_hire_is_due_their_grace_days_after_the_hire_date():
    course = course_for_everyone(new_hire_days=10, due_days=30)
    hire = ProfileFactory(hire_date=date(2026, 3, 2))
    veteran = ProfileFactory(hire_date=date(2019, 1, 1))
    assignments_sweep(today=date(2026, 3, 1))
    assert Assignment.objects.get(user=hire.user, course=course).due_date == date(2026, 3, 12)
    assert Assignment.objects.get(user=veteran.user, course=course).due_date == date(2026, 3, 31)


def test_a_role_given_by_an_administrator_assigns_that_roles_course_at_once(
        signed_in, django_capture_on_commit_callbacks):
    course = CourseFactory()
    AudienceRule.objects.create(course=course, kind=AudienceRule.Kind.ROLE, role=Role.INCIDENT_RESPONDER)
    profile = ProfileFactory(user=UserFactory(roles=[Role.EMPLOYEE]))
    client, _admin = signed_in(Role.ADMIN, step_up=True)
    url = reverse("accounts:user_roles", args=[profile.user_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"roles": [Role.EMPLOYEE, Role.AUDITOR]})
    assert not Assignment.objects.filter(user=profile.user).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"roles": [Role.EMPLOYEE, Role.INCIDENT_RESPONDER]})
    assert response.status_code == 302
    assert Assignment.objects.filter(user=profile.user, course=course, status=Assignment.Status.ASSIGNED).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"roles": [Role.INCIDENT_RESPONDER]})
    assert Assignment.objects.filter(user=profile.user, course=course).count() == 1


def test_an_accepted_invitation_brings_the_courses_of_its_roles(client, django_capture_on_commit_callbacks):
    from portal.accounts import services as accounts

    course = course_for_everyone()
    admin = UserFactory(roles=[Role.ADMIN])
    _invitation, token = accounts.invitation_create(actor=admin, email="new.hire@annex.test", full_name="New Hire",
                                                   roles=[Role.EMPLOYEE])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:invitation_accept", args=[token]),
                    {"new_password1": "a long and unusual passphrase 7",
                     "new_password2": "a long and unusual passphrase 7"})
    assert Assignment.objects.filter(user__email="new.hire@annex.test", course=course).count() == 1


def test_a_role_change_that_rolls_back_assigns_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    from portal.accounts import services as accounts

    course = CourseFactory()
    AudienceRule.objects.create(course=course, kind=AudienceRule.Kind.ROLE, role=Role.AUDITOR)
    user = UserFactory(roles=[Role.EMPLOYEE])
    admin = UserFactory(roles=[Role.ADMIN])
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
            accounts.user_set_roles(actor=admin, user=user, roles=[Role.AUDITOR])
            raise RuntimeError("the surrounding change failed")
    assert callbacks == [] and not Assignment.objects.exists()


def test_a_department_change_adds_the_course_of_that_department():
    security = DepartmentFactory(name="Security")
    course = CourseFactory()
    AudienceRule.objects.create(course=course, kind=AudienceRule.Kind.DEPARTMENT, department=security)
    profile = ProfileFactory(department=DepartmentFactory(name="Sales"))
    assignments_sweep(today=date(2026, 3, 1))
    assert not Assignment.objects.exists()
    profile.department = security
    profile.save()
    assignments_sweep(today=date(2026, 3, 1))
    assert Assignment.objects.filter(user=profile.user, course=course).count() == 1


def test_a_leaver_and_an_unpublished_course_get_nothing():
    course_for_everyone()
    course_for_everyone(is_published=False)
    leaver = ProfileFactory(leaving_date=date(2026, 2, 28))
    assignments_sweep(today=date(2026, 3, 1))
    assert not Assignment.objects.filter(user=leaver.user).exists()
    assert Assignment.objects.count() == 0


def test_a_completion_that_counts_means_a_refresher_validity_months_later():
    course = course_for_everyone(validity_months=12)
    profile = ProfileFactory()
    with time_machine.travel("2026-01-31 10:00Z"):
        AssignmentFactory(user=profile.user, course=course, status=Assignment.Status.COMPLETED,
                          completed_at="2026-01-31T10:00Z", due_date=date(2026, 2, 15))
        assignments_sweep()
    refresher = Assignment.objects.get(user=profile.user, course=course, status=Assignment.Status.ASSIGNED)
    assert refresher.due_date == date(2027, 1, 31)


def test_a_material_change_makes_earlier_completions_stop_counting():
    course = course_for_everyone(validity_months=0, version=1)
    profile = ProfileFactory()
    AssignmentFactory(user=profile.user, course=course, status=Assignment.Status.COMPLETED,
                      completed_at="2026-01-10T10:00Z", course_version=1)
    assert assignments_sweep(today=date(2026, 3, 1)).created == 0
    course.version = course.retake_from_version = 2
    course.save()
    assert assignments_sweep(today=date(2026, 3, 1)).created == 1


def test_an_exemption_stands():
    course = course_for_everyone()
    profile = ProfileFactory()
    AssignmentFactory(user=profile.user, course=course, status=Assignment.Status.EXEMPT, exempt_reason="Long leave")
    assert assignments_sweep(today=date(2026, 3, 1)).created == 0


def test_the_sweep_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    course_for_everyone()
    course_for_everyone()
    for _ in range(3):
        ProfileFactory()
    with django_assert_max_num_queries(14):
        assignments_sweep(today=date(2026, 3, 1), dry_run=True)
    for _ in range(20):
        ProfileFactory()
    with django_assert_max_num_queries(14):
        assignments_sweep(today=date(2026, 3, 1), dry_run=True)


def test_the_sweep_in_small_chunks_gives_the_same_assignments(monkeypatch):
    from training import sweep

    course_for_everyone()
    course_for_everyone()
    for _ in range(7):
        ProfileFactory()
    monkeypatch.setattr(sweep, "CHUNK", 3)
    assert assignments_sweep(today=date(2026, 3, 1)).created == 14
    assert assignments_sweep(today=date(2026, 3, 1)).created == 0
    assert Assignment.objects.count() == 14
    assert AuditEvent.objects.filter(action="training.assignments_swept").count() == 1
