import csv
import io
import time

import pytest
from django.urls import reverse

from portal.accounts.mfa import STEP_UP_SESSION_KEY
from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.audit.services import audit_record

pytestmark = pytest.mark.django_db
URL = reverse("audit:export_csv")


def rows_of(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_it_refuses_an_employee_even_with_a_fresh_mfa_check(signed_in):
    client, _ = signed_in(Role.EMPLOYEE, step_up=True)

    assert client.get(URL).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_it_asks_for_a_fresh_mfa_check_first(signed_in):
    client, _ = signed_in(Role.AUDITOR, step_up=False)
    session = client.session
    session[STEP_UP_SESSION_KEY] = int(time.time()) - 3600
    session.save()

    response = client.get(URL, {"action": AuditAction.LOGIN})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_it_streams_the_filtered_events_oldest_first_and_audits_the_export(signed_in):
    client, user = signed_in(Role.AUDITOR, step_up=True)
    audit_record(action=AuditAction.LOGIN, target_label="first login")
    audit_record(action=AuditAction.LOGOUT, target_label="a logout")
    audit_record(action=AuditAction.LOGIN, target_label="second login")

    response = client.get(URL, {"action": AuditAction.LOGIN})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-trail-')
    rows = rows_of(response)
    assert [row["target_label"] for row in rows] == ["first login", "second login"]
    assert set(rows[0]) >= {"seq", "created_at", "actor_label", "action", "changes", "prev_hash", "hash"}
    export = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert export.actor == user
    assert export.changes == {"filters": {"action": "auth.login"}, "format": "csv", "rows": 2, "up_to_seq": 3}


def test_the_export_holds_the_rows_as_they_were_when_it_was_asked_for(signed_in):
    client, _ = signed_in(Role.AUDITOR, step_up=True)
    audit_record(action=AuditAction.LOGIN)

    response = client.get(URL)
    audit_record(action=AuditAction.LOGIN)  # appended while the file streams

    assert [row["seq"] for row in rows_of(response)] == ["1"]


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused(signed_in):
    client, _ = signed_in(Role.AUDITOR, step_up=True)
    audit_record(action=AuditAction.USER_UPDATED, target_label='=HYPERLINK("http://evil.test")')

    rows = rows_of(client.get(URL, {"action": AuditAction.USER_UPDATED}))

    assert rows[0]["target_label"] == '\'=HYPERLINK("http://evil.test")'


def test_invalid_filters_are_refused_with_a_message_and_nothing_is_exported(signed_in):
    client, _ = signed_in(Role.AUDITOR, step_up=True)

    response = client.get(URL, {"date_from": "2025-03-10", "date_to": "2025-03-01"}, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("audit:event_list"))
    assert b"The filters are not valid" in response.content
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_it_refuses_posts(signed_in):
    client, _ = signed_in(Role.AUDITOR, step_up=True)

    assert client.post(URL).status_code == 405
