import pytest
from django.urls import reverse

from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from tests.audit.chain import build_chain
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("audit:event_list")


def test_it_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_refuses_an_employee(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)

    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DPO, Role.ADMIN])
def test_it_shows_the_trail_to_auditors_dpos_and_admins(signed_in, role):
    client, _ = signed_in(role)
    audit_record(action=AuditAction.ROLES_CHANGED, target_type="accounts.user", target_id=7, target_label="Ana Silva")

    response = client.get(URL)

    assert response.status_code == 200
    assert b"Ana Silva" in response.content and b"Roles changed" in response.content


def test_it_refuses_posts(signed_in):
    client, _ = signed_in(Role.AUDITOR)

    assert client.post(URL).status_code == 405


def test_it_filters_by_actor_action_target_and_date(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    alice, bob = UserFactory(email="alice@annex.test"), UserFactory(email="bob@annex.test")
    audit_record(action=AuditAction.USER_UPDATED, actor=alice, target_type="accounts.user", target_id=1,
                 target_label="Target one")
    audit_record(action=AuditAction.USER_UPDATED, actor=bob, target_type="accounts.user", target_id=2,
                 target_label="Target two")
    audit_record(action=AuditAction.ROLES_CHANGED, actor=alice, target_type="controls.control", target_id=1,
                 target_label="Target three")

    def labels(**query):
        page = client.get(URL, query).context["page"]
        return sorted(event.target_label for event in page.object_list)

    assert labels(actor="alice") == ["Target one", "Target three"]
    assert labels(action=AuditAction.USER_UPDATED) == ["Target one", "Target two"]
    assert labels(target_type="accounts.user", target_id="2") == ["Target two"]
    assert labels(date_from="2000-01-01", date_to="2000-01-02") == []
    assert len(labels(date_from="2000-01-01")) == 3


def test_a_date_range_that_ends_before_it_starts_is_refused_and_the_input_kept(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    audit_record(action=AuditAction.LOGIN, target_label="should not show")

    response = client.get(URL, {"date_from": "2025-03-10", "date_to": "2025-03-01", "actor": "kept@annex.test"})

    assert response.status_code == 400
    assert b"The end date must be on or after the start date." in response.content
    assert b'value="kept@annex.test"' in response.content
    assert b"should not show" not in response.content


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_at_either_end_of_the_calendar_is_refused_with_a_message_not_a_server_error(signed_in, field, day):
    """Found by the filter fuzzing: the first day's start in Europe/Berlin lies before the first UTC moment."""
    client, _ = signed_in(Role.AUDITOR)

    response = client.get(URL, {field: day})

    assert response.status_code == 400
    assert b"Give a date between the years 1900 and 9998." in response.content


def test_it_pages_fifty_events_at_a_time_newest_first(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    build_chain(55)

    first = client.get(URL).context["page"]
    second = client.get(URL, {"page": 2}).context["page"]

    assert len(first.object_list) == 50 and first.object_list[0].seq == 55
    assert [e.seq for e in second.object_list] == [5, 4, 3, 2, 1]


def test_an_htmx_request_gets_only_the_results(signed_in):
    client, _ = signed_in(Role.AUDITOR)

    response = client.get(URL, {"action": AuditAction.LOGIN}, headers={"HX-Request": "true"})

    assert response.templates[0].name == "audit/partials/_event_results.html"
    assert b"<form" not in response.content


@pytest.mark.parametrize("events", [3, 120])
def test_the_list_runs_a_constant_number_of_queries(signed_in, django_assert_max_num_queries, events):
    client, _ = signed_in(Role.AUDITOR)
    build_chain(events, actor=UserFactory())

    # Session, user, MFA device, permissions and the header badge, then one COUNT and one page of events.
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"page": 2 if events > 50 else 1})

    assert response.status_code == 200
