"""Who may see and download an export job is asked again at every read (portal.exports.selectors.job_readable_by):
the kind's permission, the case for a need-to-know kind, and the requester alone for a document made with their
scope. A job found by its id in the audit trail gives nothing to someone who could not request it."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.exports import ART33_NOTIFICATION, BREACH_REGISTER
from portal.accounts.roles import Role
from portal.exports.models import ExportJob
from tests.conftest import sign_in
from tests.factories import UserFactory
from tests.incidents.factories import dpo, open_case, responder

pytestmark = pytest.mark.django_db


def _art33_job(client, requester, incident, capture) -> ExportJob:
    sign_in(client, requester, step_up=True)
    with capture(execute=True):
        client.post(reverse("incidents:export", args=[incident.pk, "art33"]))
    job = ExportJob.objects.get(kind=ART33_NOTIFICATION)
    assert job.status == ExportJob.Status.DONE
    return job


def _reads(client, user, job) -> tuple[int, int]:
    client.logout()
    sign_in(client, user, step_up=True)
    return (client.get(reverse("exports:detail", args=[job.pk])).status_code,
            client.get(reverse("exports:download", args=[job.pk])).status_code)


def test_an_auditor_who_may_not_open_a_case_gets_neither_its_art33_notification_nor_its_job_page(
        client, django_capture_on_commit_callbacks):
    owner = responder()
    incident = open_case(owner, title="Patient list sent to the wrong address")
    job = _art33_job(client, owner, incident, django_capture_on_commit_callbacks)
    auditor = UserFactory(roles=[Role.AUDITOR])

    assert _reads(client, auditor, job) == (404, 404)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 403
    assert _reads(client, owner, job) == (200, 200)


def test_a_responder_taken_off_a_case_can_no_longer_download_the_notification_they_made(
        client, django_capture_on_commit_callbacks):
    lead, helper = responder(), responder()
    incident = services.incident_assign(incident=open_case(lead), actor=lead, user=helper)
    job = _art33_job(client, helper, incident, django_capture_on_commit_callbacks)
    assert _reads(client, helper, job) == (200, 200)

    services.incident_unassign(incident=incident, actor=lead, user=helper)

    assert _reads(client, helper, job) == (404, 404)
    assert _reads(client, lead, job) == (404, 404), "made with the helper's scope: the helper's alone"


def test_the_dpos_breach_register_is_not_downloaded_by_an_auditor(client, django_capture_on_commit_callbacks):
    officer = dpo()
    open_case(responder(), title="Ransomware on the HR share")
    sign_in(client, officer, step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("incidents:register_export"))
    job = ExportJob.objects.get(kind=BREACH_REGISTER)

    assert _reads(client, UserFactory(roles=[Role.AUDITOR]), job) == (404, 404)
    assert _reads(client, officer, job) == (200, 200)
