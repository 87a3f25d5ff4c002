"""The programme report: posture, trends and open findings as a tagged PDF/A, requested from the home page and
verifiable on /verify/."""

import hashlib
import subprocess
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from portal.accounts.roles import Role
from portal.core.exports import PROGRAMME_REPORT
from portal.core.services import metrics_snapshot_take
from portal.exports import storage
from portal.exports.models import ExportJob
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.exports.conftest import artifacts_dir, pdf_text
from tests.incidents.factories import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_report(django_capture_on_commit_callbacks):
    """Request the report as the home page's button does; the render task runs when the request commits."""

    def request(client) -> ExportJob:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("exports:request"), {"document": f"{PROGRAMME_REPORT}|"})
        assert response.status_code == 302, response.content.decode()[:500]
        return ExportJob.objects.get(kind=PROGRAMME_REPORT)

    return request


def _pdf(job: ExportJob) -> bytes:
    return b"".join(storage.open_document(job.file_path, purpose=storage.job_purpose(job)))


def _programme():
    today = timezone.localdate()
    ControlFactory(reference="TOM-LATE-01", title="Quarterly access review", next_review_due=today - timedelta(days=4))
    ControlFactory(reference="TOM-FIX-01", status=Control.Status.NEEDS_ATTENTION, attention_reason="Evidence expired")
    ControlFactory.create_batch(3, status=Control.Status.VERIFIED)
    open_case(customers=[CustomerFactory()], title="Lost laptop")
    for back in range(40):
        metrics_snapshot_take(day=today - timedelta(days=back))


def test_the_dpo_gets_the_posture_trends_and_open_findings_as_a_tagged_pdf_a_from_the_home_page(
        signed_in, request_report, tmp_path):
    client, _dpo = signed_in(Role.DPO, full_name="Dana Privacy", step_up=True)
    _programme()
    home = client.get(reverse("portal:dashboard")).content.decode()
    assert f'name="document" value="{PROGRAMME_REPORT}|"' in home

    job = request_report(client)

    assert job.status == ExportJob.Status.DONE, job.error
    data = _pdf(job)
    (artifacts_dir() / "programme-report.pdf").write_bytes(data)
    text = pdf_text(data)
    for expected in ("Programme report", "The programme's posture", "Controls", "Incidents and breaches", "Training",
                     "Trends over the last 90 days", "Controls by status", "Open findings", "TOM-LATE-01",
                     "review overdue since", "TOM-FIX-01", "Evidence expired", "Dana Privacy", job.snapshot_sha256):
        assert expected in text, expected
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    metadata = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="A"' in metadata
    assert "Tagged:          yes" in subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                                                    check=True).stdout


def test_verify_recognises_a_programme_report_by_its_printed_fingerprint_and_by_its_file(
        signed_in, request_report, client):
    signed, _dpo = signed_in(Role.DPO, step_up=True)
    job = request_report(signed)
    file_hash = hashlib.sha256(_pdf(job)).hexdigest()
    assert file_hash == job.file_sha256
    signed.logout()

    for fingerprint in (job.snapshot_sha256, file_hash):
        page = client.get(reverse("verify:document", kwargs={"sha256": fingerprint})).content.decode()
        assert "Genuine" in page and "Programme report" in page, fingerprint
    unknown = client.get(reverse("verify:document", kwargs={"sha256": "ab" * 32})).content.decode()
    assert "Not a genuine published version" in unknown


def test_the_report_holds_what_the_requester_may_see(signed_in, request_report):
    open_case(customers=[CustomerFactory()], title="Lost laptop")
    client, _auditor = signed_in(Role.AUDITOR, step_up=True)
    text = pdf_text(_pdf(request_report(client)))
    assert "Controls" in text and "Training" in text
    assert "Incidents and breaches" not in text  # auditors read no case


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.SECURITY_OFFICER, Role.INCIDENT_RESPONDER])
def test_who_may_not_see_the_posture_cannot_request_the_report(signed_in, role):
    client, _user = signed_in(role, step_up=True)
    response = client.post(reverse("exports:request"), {"document": f"{PROGRAMME_REPORT}|"})
    assert response.status_code in (400, 403)
    assert not ExportJob.objects.exists()
    assert PROGRAMME_REPORT not in client.get(reverse("portal:dashboard")).content.decode()
