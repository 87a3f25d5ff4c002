"""Anyone in the organisation reports a suspected breach, as the incident-response starter course teaches."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from incidents.models import Incident
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.core.navigation import navigation_for
from portal.notifications.models import Notification
from tests.incidents.factories import dpo, open_case, responder
from training.starter_courses import INCIDENT_RESPONSE

pytestmark = pytest.mark.django_db
URL = "/incidents/report/"


def _report(**changes):
    noticed = timezone.localtime(timezone.now() - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    return {"description": "I sent the March invoice list of a customer to the wrong Gmail address.",
            "detected_at": noticed, "affected": "Billing export, Contoso", **changes}


def test_an_employee_reports_and_the_on_call_responders_and_the_dpo_are_told_at_once(
        signed_in, django_capture_on_commit_callbacks):
    on_call, the_dpo = responder(), dpo()
    client, employee = signed_in(Role.EMPLOYEE, full_name="Erin Employee")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _report())
    assert response.status_code == 302 and response["Location"] == URL
    incident = Incident.objects.get()
    assert incident.phase == "triage" and incident.assignee_ids == [on_call.pk]
    assert incident.description.startswith("I sent the March invoice list")
    assert "Erin Employee" in incident.reported_by and incident.created_by == employee
    assert incident.aware_at > timezone.now() - timedelta(minutes=1)  # the clocks run from the report
    assert AuditEvent.objects.filter(action="incident.opened", actor=employee).count() == 1
    told = set(Notification.objects.filter(reason="incidents.intake", critical=True).values_list(
        "recipient_id", flat=True))
    assert told == {on_call.pk, the_dpo.pk}
    page = client.get(URL)
    assert incident.reference in page.content.decode()


def test_the_reporter_does_not_see_the_case_it_stays_need_to_know(signed_in):
    client, _employee = signed_in(Role.EMPLOYEE)
    client.post(URL, _report())
    incident = Incident.objects.get()
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 403  # no incident role
    other, _responder = signed_in(Role.INCIDENT_RESPONDER)  # not on call when the report came in
    assert other.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404


def test_an_empty_or_future_report_is_refused_with_what_was_typed_and_nothing_opened(signed_in):
    client, _employee = signed_in(Role.EMPLOYEE)
    response = client.post(URL, _report(description=""))
    assert response.status_code == 400 and b"Billing export, Contoso" in response.content
    future = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(URL, _report(detected_at=future))
    assert response.status_code == 400 and b"I sent the March invoice list" in response.content
    assert b"cannot be in the future" in response.content
    assert not Incident.objects.exists()


def test_every_role_finds_the_report_page_in_the_main_menu_the_starter_course_names(signed_in):
    client, employee = signed_in(Role.EMPLOYEE)
    [item] = [i for i in navigation_for(employee, "/") if i["url"] == URL]
    assert str(item["label"]) == "Report a breach"
    how_to = dict(INCIDENT_RESPONSE["pages"])["How to report it in Annex"]
    assert "**Report a breach**" in how_to
    assert client.get(URL).status_code == 200


def test_the_breach_alert_is_written_in_each_recipients_language_whatever_the_task_runs_in(settings):
    from incidents.services_intake import incident_notify_on_call

    settings.LANGUAGE_CODE = "en"
    on_call, the_dpo = responder(language="en"), dpo(language="de")
    incident = open_case(on_call, is_exercise=True)
    with translation.override("en"):
        assert incident_notify_on_call(incident_id=incident.pk, with_dpo=True) == 2
    titles = dict(Notification.objects.filter(reason="incidents.intake", channel="in_app").values_list(
        "recipient_id", "title"))
    assert titles == {on_call.pk: f"[EXERCISE] Suspected breach reported: {incident.reference}",
                      the_dpo.pk: f"[ÜBUNG] Vermutete Verletzung gemeldet: {incident.reference}"}


def test_an_alert_from_a_detection_tool_reaches_a_german_dpo_in_german():
    from incidents.services_intake import incident_notify_on_call

    the_dpo = dpo(language="de")
    incident = open_case(responder(), title="Mass download", external_source="SIEM", external_id="4711")
    with translation.override("en"):
        incident_notify_on_call(incident_id=incident.pk, with_dpo=True)
    title = Notification.objects.filter(recipient=the_dpo, channel="in_app").values_list("title", flat=True).get()
    assert title == f"Neuer Vorfall aus SIEM: {incident.reference} Mass download"
