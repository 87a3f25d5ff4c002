from datetime import date

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portal.accounts.models import User
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.notifications.models import CalendarFeed
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, ProfileFactory, course_for_everyone
from training.models import Assignment, EmployeeProfile
from training.services_directory import directory_import, leavers_process

pytestmark = pytest.mark.django_db

HEADER = "employee_id,email,full_name,department,manager,hire_date,leaving_date\n"


@pytest.fixture
def dpo():
    return UserFactory(roles=[Role.DPO])


def test_a_comma_file_creates_employees_departments_and_managers(dpo):
    data = (HEADER + "E-1,boss@annex.test,Bea Boss,Sales,,2020-01-01,\n"
            "E-2,kim@annex.test,Kim Kurz,Sales,E-1,2026-03-01,\n").encode()
    result = directory_import(actor=dpo, data=data, apply=True, today=date(2026, 3, 1))
    assert result.applied and result.count("create") == 2
    kim = EmployeeProfile.objects.select_related("manager", "department").get(employee_id="E-2")
    assert kim.manager.email == "boss@annex.test"
    assert kim.department.name == "Sales"
    assert kim.hire_date == date(2026, 3, 1)
    assert AuditEvent.objects.filter(action="training.directory_imported").count() == 1


def test_a_semicolon_windows_1252_file_from_a_german_spreadsheet_is_read():
    dpo = UserFactory(roles=[Role.DPO])
    data = ("employee_id;email;full_name;department;manager;hire_date;leaving_date\r\n"
            "E-7;jurgen@annex.test;Jürgen Weiß;Buchhaltung;;01.02.2024;\r\n").encode("cp1252")
    result = directory_import(actor=dpo, data=data, apply=True)
    assert result.ok, result.errors
    assert User.objects.get(email="jurgen@annex.test").full_name == "Jürgen Weiß"
    assert EmployeeProfile.objects.get(employee_id="E-7").hire_date == date(2024, 2, 1)


def test_a_utf8_file_with_a_byte_order_mark_is_read(dpo):
    data = "\ufeff".encode() + (HEADER + "E-8,zoe@annex.test,Zoë Ørsted,IT,,,\n").encode()
    result = directory_import(actor=dpo, data=data, apply=True)
    assert result.ok and User.objects.get(email="zoe@annex.test").full_name == "Zoë Ørsted"


def test_the_preview_shows_changes_and_writes_nothing(dpo):
    profile = ProfileFactory(employee_id="E-3", user=UserFactory(email="ann@annex.test", full_name="Ann Old"))
    data = (HEADER + "E-3,ann@annex.test,Ann New,Operations,,,\nE-4,new@annex.test,Ned New,IT,,,\n").encode()
    result = directory_import(actor=dpo, data=data)
    assert not result.applied
    assert [c.action for c in result.changes] == ["update", "create"]
    assert result.changes[0].changes["full_name"] == ("Ann Old", "Ann New")
    profile.user.refresh_from_db()
    assert profile.user.full_name == "Ann Old"
    assert not User.objects.filter(email="new@annex.test").exists()


def test_the_import_rolls_back_on_a_bad_row_and_names_each_line(dpo):
    data = (HEADER + "E-5,good@annex.test,Good Row,IT,,,\n"
            "E-6,not-an-email,Bad Row,IT,,,\n"
            "E-9,late@annex.test,Late Row,IT,,2026-13-01,\n").encode()
    result = directory_import(actor=dpo, data=data, apply=True)
    assert not result.applied
    assert [e.line for e in result.errors] == [3, 4]
    assert "not an email address" in result.errors[0].message
    assert "not a date" in result.errors[1].message
    assert not User.objects.filter(email="good@annex.test").exists()
    assert not AuditEvent.objects.filter(action="training.directory_imported").exists()


def test_an_unknown_manager_is_a_bad_row(dpo):
    data = (HEADER + "E-5,good@annex.test,Good Row,IT,ghost@annex.test,,\n").encode()
    result = directory_import(actor=dpo, data=data, apply=True)
    assert result.errors[0].line == 2 and "manager" in result.errors[0].message


def test_a_leaver_is_deactivated_with_sessions_token_and_feed_ended_and_records_kept(dpo):
    course = course_for_everyone()
    profile = ProfileFactory(employee_id="E-10", user=UserFactory(email="leo@annex.test", full_name="Leo Leaver"))
    AssignmentFactory(user=profile.user, course=course)
    done = AssignmentFactory(user=profile.user, course=course, status=Assignment.Status.COMPLETED,
                             completed_at="2025-05-01T10:00Z")
    Token.objects.create(user=profile.user)
    CalendarFeed.objects.create(user=profile.user, token_hash="x" * 64)
    session = SessionStore()
    session["_auth_user_id"] = str(profile.user.pk)
    session.create()
    data = (HEADER + "E-10,leo@annex.test,Leo Leaver,Operations,,,2026-02-28\n").encode()
    directory_import(actor=dpo, data=data, apply=True, today=date(2026, 3, 1))
    profile.user.refresh_from_db()
    assert not profile.user.is_active
    assert User.objects.filter(pk=profile.user.pk).exists()
    assert not Token.objects.filter(user=profile.user).exists()
    assert not CalendarFeed.objects.filter(user=profile.user).exists()
    assert not SessionStore().exists(session.session_key)
    assert Assignment.objects.get(pk=done.pk).status == Assignment.Status.COMPLETED
    assert not Assignment.objects.filter(user=profile.user, status__in=["assigned", "in_progress"]).exists()
    assert AuditEvent.objects.filter(action="user.deactivated", target_id=str(profile.user.pk)).count() == 1


def test_leavers_are_easy_to_select_for_retention_by_leaving_date():
    ProfileFactory(leaving_date=date(2020, 1, 31))
    ProfileFactory()
    assert EmployeeProfile.objects.filter(leaving_date__lt=date(2021, 1, 1)).count() == 1


def test_a_future_leaving_date_leaves_the_account_active_until_that_day():
    profile = ProfileFactory(leaving_date=date(2026, 4, 30))
    assert leavers_process(today=date(2026, 3, 1)) == 0
    assert leavers_process(today=date(2026, 4, 30)) == 1
    profile.user.refresh_from_db()
    assert not profile.user.is_active


def test_the_import_page_previews_then_applies_what_was_previewed(client):
    user = UserFactory(roles=[Role.DPO])
    sign_in(client, user, step_up=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", (HEADER + "E-11,pia@annex.test,Pia Preview,IT,,,\n").encode())
    response = client.post(reverse("training:directory_import"), {"file": upload})
    assert response.status_code == 200
    assert b"import-preview" in response.content
    assert not User.objects.filter(email="pia@annex.test").exists()
    previewed = response.context["previewed"]
    response = client.post(reverse("training:directory_import"), {"previewed": previewed, "apply": "1"})
    assert response.status_code == 302
    assert User.objects.filter(email="pia@annex.test").exists()


def test_the_import_page_lists_bad_rows_with_status_400(client):
    sign_in(client, UserFactory(roles=[Role.DPO]), step_up=True)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("staff.csv", (HEADER + "E-12,broken,Bad,IT,,,\n").encode())
    response = client.post(reverse("training:directory_import"), {"file": upload})
    assert response.status_code == 400
    assert b"line 2" in response.content


def test_the_import_cannot_change_an_accounts_sign_in_email_without_the_right_to_administer_accounts(dpo):
    """A changed sign-in email would send the account's password reset to the new address: an account takeover
    for whoever imports the directory, unless they administer accounts."""
    admin = UserFactory(roles=[Role.ADMIN], email="alice.admin@annex.test", full_name="Alice Admin")
    assert directory_import(actor=dpo, data=(HEADER + "X-1,alice.admin@annex.test,Alice Admin,IT,,,\n").encode(),
                            apply=True).applied

    result = directory_import(actor=dpo, data=(HEADER + "X-1,dora@elsewhere.example,Alice Admin,IT,,,\n").encode(),
                              apply=True)

    assert not result.applied
    assert [(e.line, "alice.admin@annex.test" in e.message) for e in result.errors] == [(2, True)]
    admin.refresh_from_db()
    assert admin.email == "alice.admin@annex.test"
    account_admin = UserFactory(roles=[Role.ADMIN])
    assert directory_import(actor=account_admin, data=(HEADER + "X-1,alice@annex.test,Alice Admin,IT,,,\n").encode(),
                            apply=True).applied
    admin.refresh_from_db()
    assert admin.email == "alice@annex.test"
    event = AuditEvent.objects.filter(action="training.directory_imported").latest("seq")
    assert event.changes["accounts"]["alice@annex.test"]["email"] == ["alice.admin@annex.test", "alice@annex.test"]


def test_the_import_cannot_end_an_account_with_more_than_an_employees_rights_without_the_right_to_deactivate(dpo):
    admin = UserFactory(roles=[Role.ADMIN], email="bob.admin@annex.test", full_name="Bob Admin")
    employee = UserFactory(roles=[Role.EMPLOYEE], email="eve@annex.test", full_name="Eve Employee")

    refused = directory_import(actor=dpo, data=(HEADER + "X-2,bob.admin@annex.test,Bob Admin,IT,,,2026-01-31\n"
                                                "X-3,eve@annex.test,Eve Employee,IT,,,2026-01-31\n").encode(),
                               apply=True, today=date(2026, 2, 1))
    assert not refused.applied and [e.line for e in refused.errors] == [2]
    admin.refresh_from_db()
    assert admin.is_active

    leaver = directory_import(actor=dpo, data=(HEADER + "X-3,eve@annex.test,Eve Employee,IT,,,2026-01-31\n").encode(),
                              apply=True, today=date(2026, 2, 1))
    assert leaver.applied
    employee.refresh_from_db()
    assert not employee.is_active
