"""The control register as an export job: a landscape PDF table and an XLSX workbook, scoped to the requester."""

import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from controls.exports import CONTROL_REGISTER_PDF, CONTROL_REGISTER_XLSX, control_register_snapshot
from controls.models import Control
from controls.services_register import EXPORT_COLUMNS
from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.rendering import content_sha256
from portal.exports.services import export_job_run, export_request
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory, OverrideFactory
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _run(kind: str, actor, subject: str = "", capture=None) -> ExportJob:
    with capture(execute=True):
        job = export_request(kind_name=kind, subject_key=subject, actor=actor)
    return ExportJob.objects.get(pk=job.pk)


def _file(job: ExportJob) -> bytes:
    return storage.read_document(job.file_path, purpose=storage.job_purpose(job))


def _register_world():
    owner = UserFactory(full_name="Olga Owner")
    encrypted = ControlFactory(reference="TOM-ENC-01", title="Encrypted volumes", owner=owner,
                               status=Control.Status.VERIFIED, next_review_due=date(2031, 3, 1))
    EvidenceFactory(control=encrypted)
    EvidenceFactory(control=encrypted)
    EvidenceFactory(control=encrypted, removed_at="2025-01-01T00:00:00Z", removal_reason="superseded")
    ControlFactory(reference="TOM-ACC-02", title="Quarterly access reviews",
                   scc_category="identification_authorisation", status=Control.Status.PLANNED)
    return encrypted


def test_the_register_pdf_lists_every_visible_control_in_a_landscape_table(django_capture_on_commit_callbacks):
    _register_world()
    job = _run(CONTROL_REGISTER_PDF, UserFactory(roles=[Role.AUDITOR], full_name="Ada Auditor"),
               capture=django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.file_name == "control-register-all-controls.pdf"
    data = _file(job)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = pdf_text(data)
    for header in ("Reference", "Title", "Category", "Status", "Owner", "Next review", "Evidence"):
        assert header in text
    assert "TOM-ACC-02 Quarterly access reviews" in text and "TOM-ENC-01 Encrypted volumes" in text
    assert "Olga Owner" in text and "2031-03-01" in text and "Ada Auditor" in text
    assert text.index("TOM-ACC-02") < text.index("TOM-ENC-01")
    assert job.snapshot_sha256 in text and "Page 1 of 1" in text


def test_the_register_counts_only_evidence_that_was_not_removed():
    _register_world()
    rows = {r["reference"]: r for r in control_register_snapshot("", UserFactory(roles=[Role.DPO]))["controls"]}
    assert rows["TOM-ENC-01"]["evidence_count"] == 2 and rows["TOM-ACC-02"]["evidence_count"] == 0
    assert rows["TOM-ENC-01"]["status"] == "Verified" and rows["TOM-ENC-01"]["owner"] == "Olga Owner"


def test_the_register_is_taken_with_the_requesters_scope():
    _register_world()
    assert control_register_snapshot("", UserFactory(roles=[Role.DPO]))["control_count"] == 2
    # Someone without the right to see controls gets an empty register, never someone else's view of it.
    assert control_register_snapshot("", UserFactory(roles=[Role.EMPLOYEE]))["controls"] == []


def test_the_register_for_a_customer_holds_only_the_controls_that_apply_to_it(django_capture_on_commit_callbacks):
    _register_world()
    customer = CustomerFactory(slug="acme", name="Acme Health")
    OverrideFactory(customer=customer, control=Control.objects.get(reference="TOM-ACC-02"))
    job = _run(CONTROL_REGISTER_PDF, UserFactory(roles=[Role.DPO]), "acme", capture=django_capture_on_commit_callbacks)
    text = pdf_text(_file(job))
    assert "Acme Health" in text and "TOM-ENC-01" in text and "TOM-ACC-02" not in text


def test_a_register_job_whose_requester_lost_the_role_fails_and_keeps_no_file(settings):
    _register_world()
    user = UserFactory(roles=[Role.SECURITY_OFFICER])
    job = ExportJob.objects.create(kind=CONTROL_REGISTER_PDF, parameters={"subject": ""}, requested_by=user)
    user.groups.clear()
    finished = export_job_run(job_id=job.pk)
    assert finished.status == ExportJob.Status.FAILED and "no longer available" in finished.error
    assert finished.file_path == ""
    assert not [p for p in settings.ANNEX_ENCRYPTED_FILES_DIR.rglob("*") if p.is_file()]


def test_the_register_xlsx_has_the_csv_columns_and_an_about_sheet(django_capture_on_commit_callbacks):
    _register_world()
    ControlFactory(reference="TOM-FRM-01", title="=HYPERLINK(\"http://evil\")")
    job = _run(CONTROL_REGISTER_XLSX, UserFactory(roles=[Role.SECURITY_OFFICER]),
               capture=django_capture_on_commit_callbacks)
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.file_name == "control-register-all-controls.xlsx"
    workbook = load_workbook(io.BytesIO(_file(job)), read_only=True)
    assert workbook.sheetnames == ["Controls", "About"]
    rows = list(workbook["Controls"].iter_rows(values_only=True))
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    by_reference = {row[0]: dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_reference) == {"TOM-ACC-02", "TOM-ENC-01", "TOM-FRM-01"}
    assert by_reference["TOM-ENC-01"]["status"] == "verified"
    assert by_reference["TOM-ENC-01"]["next_review_due"] == datetime(2031, 3, 1)  # a real date, not text
    assert by_reference["TOM-FRM-01"]["title"].startswith("'=")  # a formula stays text
    about = dict(workbook["About"].iter_rows(values_only=True))
    assert about["Document"] == "Control register" and about["Controls"] == 3
    assert about["Content fingerprint (SHA-256)"] == job.snapshot_sha256


def test_an_xlsx_download_carries_the_spreadsheet_content_type(client, django_capture_on_commit_callbacks):
    from tests.conftest import sign_in

    _register_world()
    user = UserFactory(roles=[Role.DPO])
    job = _run(CONTROL_REGISTER_XLSX, user, capture=django_capture_on_commit_callbacks)
    sign_in(client, user, step_up=True)
    response = client.get(reverse("exports:download", kwargs={"pk": job.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="control-register-all-controls.xlsx"'
    assert b"".join(response.streaming_content).startswith(b"PK\x03\x04")


def test_the_content_fingerprint_of_a_register_is_the_hash_of_its_snapshot():
    _register_world()
    user = UserFactory(roles=[Role.DPO])
    first = control_register_snapshot("", user)
    assert content_sha256(first) == content_sha256(control_register_snapshot("", user))
    ControlFactory(reference="TOM-NEW-01")
    assert content_sha256(first) != content_sha256(control_register_snapshot("", user))


@pytest.mark.parametrize(("role", "offered"), [
    (Role.DPO, {"Control register (PDF)", "Control register (Excel)", "Evidence pack", "TOM annex"}),
    (Role.AUDITOR, {"Control register (PDF)", "Control register (Excel)", "Evidence pack", "TOM annex"}),
    (Role.SECURITY_OFFICER, {"Control register (PDF)", "Control register (Excel)", "TOM annex"}),
    (Role.EMPLOYEE, set()),
])
def test_the_exports_page_offers_the_kinds_the_user_may_request(signed_in, role, offered):
    client, _ = signed_in(role)
    body = client.get(reverse("exports:list")).content.decode()
    for label in ("Control register (PDF)", "Control register (Excel)", "Evidence pack", "TOM annex"):
        assert (f'<optgroup label="{label}">' in body) == (label in offered), label


def test_a_page_of_the_register_is_rendered_as_an_image_for_review(tmp_path, catalogue):
    import shutil
    import subprocess

    from portal.exports.registry import get_kind
    from portal.exports.rendering import render_document
    from tests.exports.conftest import artifacts_dir

    assert shutil.which("pdftoppm"), "poppler-utils provides pdftoppm"
    output = tmp_path / "register.pdf"
    with output.open("wb") as target:
        render_document(get_kind(CONTROL_REGISTER_PDF), "", target, user=UserFactory(roles=[Role.AUDITOR]))
    reader = PdfReader(str(output))
    assert len(reader.pages) > 1
    # The table header repeats on every page.
    assert all("Reference" in (page.extract_text() or "") for page in reader.pages)
    prefix = artifacts_dir() / "control-register"
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(output), str(prefix)], check=True)
    assert sorted(artifacts_dir().glob("control-register-*1.png"))[0].stat().st_size > 10_000
