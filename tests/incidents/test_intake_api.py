import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from incidents.models import Incident
from portal.accounts.tokens import api_token_create
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.controls.factories import CustomerFactory
from tests.factories import UserFactory
from tests.incidents.factories import responder

pytestmark = pytest.mark.django_db
URL = "/api/incidents/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def _client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=user)}")
    return client


def _alert(**changes):
    return {"source": "wazuh", "external_id": "alert-4711", "title": "Mass download from the ticket database",
            "description": "10,000 rows read by a support account at 03:12.", "severity": "high", **changes}


def test_the_url_is_the_one_the_issue_names():
    assert reverse("incidents_api:intake") == URL


def test_a_detection_tool_opens_a_triage_case_and_the_on_call_responders_are_told(
        django_capture_on_commit_callbacks):
    tool, on_call = responder(email="ids@annex.test"), responder()
    customer = CustomerFactory(slug="northwind")
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(tool).post(URL, _alert(customers=["northwind"]), format="json")
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert response.json()["reference"] == incident.reference and response.json()["created"] is True
    assert incident.phase == "triage" and list(incident.customers.all()) == [customer]
    assert on_call.pk in incident.assignee_ids
    assert Notification.objects.filter(recipient=on_call, reason="incidents.intake", critical=True).exists()
    assert AuditEvent.objects.filter(action="incident.opened", actor=tool).count() == 1


def test_a_retry_with_the_same_external_id_returns_the_same_case():
    client = _client(responder())
    first = client.post(URL, _alert(), format="json")
    again = client.post(URL, _alert(title="Retried"), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Incident.objects.count() == 1
    assert AuditEvent.objects.filter(action="incident.opened").count() == 1


def test_invalid_input_names_the_field_and_changes_nothing():
    client = _client(responder())
    response = client.post(URL, _alert(severity="apocalyptic"), format="json")
    assert response.status_code == 400 and "severity" in response.json()
    response = client.post(URL, _alert(customers=["nobody"]), format="json")
    assert response.status_code == 400 and "customers" in response.json()
    response = client.post(URL, {"source": "wazuh"}, format="json")
    assert response.status_code == 400 and {"external_id", "title"} <= set(response.json())
    assert not Incident.objects.exists()


def test_a_token_without_the_right_is_refused_and_no_token_is_401():
    assert APIClient().post(URL, _alert(), format="json").status_code == 401
    employee = UserFactory(roles=["Employee"])
    assert _client(employee).post(URL, _alert(), format="json").status_code == 403
    assert not Incident.objects.exists()


def test_the_intake_is_rate_limited_per_token(settings):
    settings.INCIDENT_INTAKE_RATE = "3/min"
    client = _client(responder())
    codes = [client.post(URL, _alert(external_id=f"a-{n}"), format="json").status_code for n in range(5)]
    assert codes == [201, 201, 201, 429, 429]
    assert Incident.objects.count() == 3


def test_the_intake_is_in_the_openapi_schema(client):
    from tests.conftest import sign_in

    sign_in(client, responder())
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").content.decode()
    assert "/api/incidents/" in schema and "external_id" in schema


def test_a_retry_that_loses_the_race_returns_the_case_the_first_attempt_opened(monkeypatch):
    """The first attempt commits after the retry has looked for it and before the retry inserts its own."""
    from incidents import services_intake

    tool = responder()
    real_lookup = services_intake._opened_before
    first = []

    def not_yet_there_then_committed(source, external_id):
        if not first:  # the retry looks, finds nothing; meanwhile the first attempt opens the case
            first.append(services_intake.incident_open(actor=tool, title="Mass download", external_source=source,
                                                       external_id=external_id))
            return None
        return real_lookup(source, external_id)

    monkeypatch.setattr(services_intake, "_opened_before", not_yet_there_then_committed)
    incident, created = services_intake.intake_open_from_api(
        actor=tool, source="wazuh", external_id="alert-4711", title="Mass download")
    assert (incident, created) == (first[0], False)
    assert Incident.objects.count() == 1
