import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from portal.audit.services import audit_record, masked_changes
from tests.audit.chain import build_chain, raw_sql

pytestmark = pytest.mark.django_db


def detail_url(seq: int) -> str:
    return reverse("audit:event_detail", kwargs={"seq": seq})


def test_it_sends_anonymous_visitors_to_sign_in(client):
    event = audit_record(action=AuditAction.LOGIN)

    response = client.get(detail_url(event.seq))

    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_it_refuses_an_employee(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)
    event = audit_record(action=AuditAction.LOGIN)

    assert client.get(detail_url(event.seq)).status_code == 403


def test_an_unknown_event_is_not_found(signed_in):
    client, _ = signed_in(Role.AUDITOR)

    assert client.get(detail_url(999)).status_code == 404


def test_it_shows_before_and_after_with_secrets_masked_and_the_hashes(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    event = audit_record(
        action=AuditAction.USER_UPDATED, target_type="accounts.user", target_id=3, target_label="Ana Silva",
        changes=masked_changes({"department": ("Finance", "Security"), "password": ("old-secret", "new-secret")}),
    )

    response = client.get(detail_url(event.seq))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<td>Finance</td><td>Security</td>" in body
    assert "old-secret" not in body and "new-secret" not in body and "***" in body
    assert event.hash in body and event.prev_hash in body
    assert response.context["hash_intact"] and response.context["link_intact"]


def test_it_flags_an_event_edited_behind_the_portals_back(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    build_chain(3)
    raw_sql("UPDATE audit_auditevent SET target_label = 'forged' WHERE seq = 2")

    response = client.get(detail_url(2))

    assert response.context["hash_intact"] is False
    assert b"this event was altered" in response.content


def test_it_flags_an_event_whose_predecessor_was_removed(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    build_chain(3)
    raw_sql("DELETE FROM audit_auditevent WHERE seq = 2")

    response = client.get(detail_url(3))

    assert response.context["link_intact"] is False
    assert response.context["hash_intact"] is True
