"""Published documents are fit for archives and screen readers, print any customer's name, and verify by file hash."""

import hashlib
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from controls.exports import TOM_ANNEX
from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.services import annex_publish
from portal.retention.certificates import run_certify
from portal.retention.models import RetentionRun
from tests.controls.factories import CustomerFactory
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory
from tests.training.factories import AssignmentFactory, full_course
from training import services as training_services

JAPANESE_NAME = "日本ロジスティクス株式会社"


def _published_annex(tmp_path, *, name="Acme Health GmbH", slug="acme"):
    CustomerFactory(name=name, slug=slug)
    version = annex_publish(kind_name=TOM_ANNEX, subject_key=slug, actor=UserFactory(roles=["DPO"]))
    output = tmp_path / "annex.pdf"
    call_command("export_document", kind=TOM_ANNEX, subject=slug, output=str(output))
    return version, output


def _assert_tagged_pdf_a(output, language="en"):
    info = subprocess.run(["pdfinfo", str(output)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
    metadata = subprocess.run(["pdfinfo", "-meta", str(output)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="A"' in metadata
    catalog = PdfReader(str(output)).trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert catalog["/Lang"] == language


@pytest.mark.django_db
def test_the_annex_pdf_is_tagged_pdf_a_with_its_language_set(tmp_path):
    _, output = _published_annex(tmp_path)
    _assert_tagged_pdf_a(output)


@pytest.mark.django_db
def test_the_training_and_deletion_certificates_are_tagged_pdf_a_too(signed_in, tmp_path):
    client, employee = signed_in(Role.EMPLOYEE)
    course = full_course()
    assignment = AssignmentFactory(user=employee, course=course)
    attempt = training_services.quiz_attempt_start(actor=employee, assignment=assignment)
    training_services.quiz_attempt_submit(actor=employee, attempt=attempt, answers={
        q.pk: [c.pk for c in q.choices.all() if c.is_correct] for q in course.questions.all()})
    response = client.get(reverse("training:certificate", args=[assignment.pk]))
    assert response.status_code == 200
    (tmp_path / "training.pdf").write_bytes(b"".join(response.streaming_content))
    run = RetentionRun.objects.create(status=RetentionRun.Status.DONE, trigger=RetentionRun.Trigger.NIGHTLY,
                                      started_at=timezone.now() - timedelta(minutes=5), finished_at=timezone.now(),
                                      counts={"exports.jobs": {"done": 4}})
    version = run_certify(run_id=run.pk, actor=UserFactory(roles=[Role.DPO]))
    (tmp_path / "deletion.pdf").write_bytes(
        b"".join(storage.open_document(version.file_path, purpose=storage.version_purpose(version))))
    for name in ("training", "deletion"):
        _assert_tagged_pdf_a(tmp_path / f"{name}.pdf")


@pytest.mark.django_db
def test_a_customer_named_in_japanese_is_printed_with_an_embedded_font_that_has_the_characters(tmp_path):
    _, output = _published_annex(tmp_path, name=JAPANESE_NAME, slug="nihon-logistics")
    assert JAPANESE_NAME in pdf_text(output.read_bytes())
    fonts = subprocess.run(["pdffonts", str(output)], capture_output=True, text=True, check=True).stdout
    wide = [line for line in fonts.splitlines() if "+Annex-Wide" in line]  # DroidSansFallbackFull.ttf
    assert wide, fonts
    assert all(line.split()[-5] == "yes" for line in wide), "the fallback font is embedded"


@pytest.mark.django_db
def test_verify_recognises_the_sha256_of_the_pdf_file_itself(client):
    CustomerFactory(slug="acme")
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=UserFactory(roles=["DPO"]))
    stored = b"".join(storage.open_document(version.file_path, purpose=storage.version_purpose(version)))
    file_hash = hashlib.sha256(stored).hexdigest()
    assert file_hash == version.file_sha256 != version.snapshot_sha256

    response = client.get(reverse("verify:document", kwargs={"sha256": file_hash.upper()}))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Genuine: this is a published version." in page and "SHA-256 of the PDF file itself" in page


@pytest.mark.django_db
def test_verify_still_recognises_the_printed_content_fingerprint(client):
    CustomerFactory(slug="acme")
    version = annex_publish(kind_name=TOM_ANNEX, subject_key="acme", actor=UserFactory(roles=["DPO"]))
    response = client.get(reverse("verify:document", kwargs={"sha256": version.snapshot_sha256}))
    assert response.status_code == 200 and "content fingerprint printed in the document" in response.content.decode()
