"""The evidence pack for auditors: a ZIP of the evidence files, an index PDF and a manifest of SHA-256 hashes."""

import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from django.urls import reverse

from controls.exports import EVIDENCE_PACK, evidence_pack_snapshot
from controls.models import Control, Evidence
from controls.services_evidence import evidence_add, evidence_remove
from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.services import export_job_run, export_request
from portal.security import storage as secure_storage
from portal.security.storage import encrypted_files_root
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory, EvidenceFactory, OverrideFactory
from tests.exports.conftest import artifacts_dir, pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCAN = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nquarterly vulnerability scan: 0 critical\n%%EOF\n"
ACCESS_CSV = b"account,reviewer,decision\nalice,bob,keep\nmallory,bob,remove\n"


def _add_file(control, actor, data: bytes, name: str, **extra) -> Evidence:
    return evidence_add(control=control, actor=actor, kind=Evidence.Kind.FILE, title=f"File {name}",
                        upload=io.BytesIO(data), filename=name, **extra)


@pytest.fixture
def dpo():
    return UserFactory(roles=[Role.DPO], full_name="Dora DPO")


@pytest.fixture
def evidence_world(dpo):
    scans = ControlFactory(reference="TOM-VUL-01", title="Quarterly vulnerability scans")
    access = ControlFactory(reference="TOM-ACC-01", title="Access reviews", scc_category="identification_authorisation")
    ControlFactory(reference="TOM-PHY-01", title="Badge access to the server room", scc_category="physical_security")
    return {
        "scan": _add_file(scans, dpo, SCAN, "scan Q1.pdf", valid_until=date(2020, 12, 31)),
        "access": _add_file(access, dpo, ACCESS_CSV, "review.csv"),
        "link": evidence_add(control=access, actor=dpo, kind=Evidence.Kind.LINK, title="Ticket",
                             url="https://tickets.example/ACC-1"),
        "removed": evidence_remove(evidence=_add_file(access, dpo, b"old review\n", "old.txt"), actor=dpo,
                                   reason="Replaced by the Q1 review"),
    }


def _pack(actor, capture, subject: str = "") -> tuple[ExportJob, zipfile.ZipFile]:
    with capture(execute=True):
        job = export_request(kind_name=EVIDENCE_PACK, subject_key=subject, actor=actor)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    data = storage.read_document(job.file_path, purpose=storage.job_purpose(job))
    assert hashlib.sha256(data).hexdigest() == job.file_sha256
    return job, zipfile.ZipFile(io.BytesIO(data))


def test_every_hash_in_the_manifest_matches_the_zipped_bytes_and_the_upload(
    dpo, evidence_world, django_capture_on_commit_callbacks
):
    job, archive = _pack(dpo, django_capture_on_commit_callbacks)
    assert job.file_name == "evidence-pack-all-controls.zip"
    manifest = json.loads(archive.read("manifest.json"))
    files = {entry["path"]: entry for entry in manifest["files"]}
    evidence_paths = [p for p in files if p.startswith("evidence/")]
    assert len(evidence_paths) == 2  # the removed file and the link are not packed as files
    for path, entry in files.items():
        data = archive.read(path)
        assert hashlib.sha256(data).hexdigest() == entry["sha256"] and len(data) == entry["size"], path
    for key in ("scan", "access"):
        evidence = evidence_world[key]
        [entry] = [e for e in manifest["files"] if e.get("evidence_id") == str(evidence.public_id)]
        assert entry["sha256"] == entry["recorded_sha256"] == evidence.sha256
    assert archive.read(f"evidence/TOM-VUL-01/{evidence_world['scan'].public_id.hex[:8]}-scan Q1.pdf") == SCAN
    # SHA256SUMS covers every other file in the archive, manifest.json included, in `sha256sum` format.
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert set(sums) == set(archive.namelist()) - {"SHA256SUMS"}
    for path, digest in sums.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
    assert manifest["content_sha256"] == job.snapshot_sha256


def test_the_index_pdf_lists_controls_with_their_evidence_and_hashes(
    dpo, evidence_world, django_capture_on_commit_callbacks
):
    _, archive = _pack(dpo, django_capture_on_commit_callbacks)
    index = archive.read("index.pdf")
    assert index.startswith(b"%PDF")
    (artifacts_dir() / "evidence-pack-index.pdf").write_bytes(index)
    text = pdf_text(index)
    assert "Evidence pack" in text and "Dora DPO" in text
    for reference in ("TOM-ACC-01", "TOM-PHY-01", "TOM-VUL-01"):
        assert reference in text
    assert "No evidence on record" in text
    assert "https://tickets.example/ACC-1" in text and "expired" in text
    for key in ("scan", "access"):
        assert evidence_world[key].sha256 in text.replace(" ", "")
    assert "Replaced by the Q1 review" not in text and "old.txt" not in text


def test_a_pack_for_a_customer_holds_only_the_evidence_of_its_controls(
    dpo, evidence_world, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(slug="acme", name="Acme Health")
    OverrideFactory(customer=customer, control=Control.objects.get(reference="TOM-ACC-01"))
    _, archive = _pack(UserFactory(roles=[Role.AUDITOR]), django_capture_on_commit_callbacks, subject="acme")
    paths = [p for p in archive.namelist() if p.startswith("evidence/")]
    assert len(paths) == 1 and paths[0].startswith("evidence/TOM-VUL-01/")


def test_the_pack_is_taken_with_the_requesters_scope(evidence_world):
    assert evidence_pack_snapshot("", UserFactory(roles=[Role.AUDITOR]))["file_count"] == 2
    assert evidence_pack_snapshot("", UserFactory(roles=[Role.EMPLOYEE]))["controls"] == []


@pytest.mark.parametrize(("role", "allowed"), [(Role.DPO, True), (Role.ADMIN, True), (Role.AUDITOR, True),
                                               (Role.SECURITY_OFFICER, False), (Role.EMPLOYEE, False)])
def test_only_dpo_admin_and_auditor_may_request_an_evidence_pack(client, role, allowed):
    sign_in(client, UserFactory(roles=[role]), step_up=True)
    response = client.post(reverse("exports:request"), {"document": f"{EVIDENCE_PACK}|"})
    if allowed:
        assert response.status_code == 302 and ExportJob.objects.filter(kind=EVIDENCE_PACK).count() == 1
    else:
        assert response.status_code in (400, 403) and not ExportJob.objects.exists()


def test_a_file_whose_bytes_differ_from_its_upload_fails_the_pack_and_keeps_no_file(dpo, evidence_world, settings):
    scan = evidence_world["scan"]
    # The stored file is replaced by a validly encrypted file with other content: a swap behind Annex's back.
    forged = secure_storage.store_encrypted_bytes(b"%PDF-1.7\nforged\n", purpose=scan.purpose)
    (encrypted_files_root() / forged.path).replace(encrypted_files_root() / scan.file_path)
    before = {p for p in settings.ANNEX_ENCRYPTED_FILES_DIR.rglob("*") if p.is_file()}
    job = ExportJob.objects.create(kind=EVIDENCE_PACK, parameters={"subject": ""}, requested_by=dpo)
    finished = export_job_run(job_id=job.pk)
    assert finished.status == ExportJob.Status.FAILED and finished.file_path == ""
    assert "does not match the SHA-256 recorded at upload" in finished.error and "scan Q1.pdf" in finished.error
    assert {p for p in settings.ANNEX_ENCRYPTED_FILES_DIR.rglob("*") if p.is_file()} == before


def test_a_missing_evidence_file_fails_the_pack_with_the_reason(dpo, evidence_world):
    (encrypted_files_root() / evidence_world["access"].file_path).unlink()
    job = ExportJob.objects.create(kind=EVIDENCE_PACK, parameters={"subject": ""}, requested_by=dpo)
    finished = export_job_run(job_id=job.pk)
    assert finished.status == ExportJob.Status.FAILED and "FileNotFoundError" in finished.error


def test_large_files_are_streamed_into_the_pack_not_read_whole(dpo, monkeypatch, django_capture_on_commit_callbacks):
    control = ControlFactory(reference="TOM-BCK-01")
    big = (b"backup restore log line, all checks passed\n" * 100_000)[: 4 * 1024 * 1024]
    evidence = _add_file(control, dpo, big, "restore.log")
    chunk_sizes = []
    real_open = secure_storage.open_decrypted

    def spying_open(path, *, purpose, provider=None):
        stream = real_open(path, purpose=purpose, provider=provider)
        return (chunk_sizes.append(len(chunk)) or chunk for chunk in stream)

    monkeypatch.setattr("controls.exports.open_decrypted", spying_open)
    _, archive = _pack(dpo, django_capture_on_commit_callbacks)
    assert archive.read(f"evidence/TOM-BCK-01/{evidence.public_id.hex[:8]}-restore.log") == big
    assert sum(chunk_sizes) == len(big) and max(chunk_sizes) <= 64 * 1024 and len(chunk_sizes) >= 64


def test_notes_are_quoted_in_the_index(dpo, django_capture_on_commit_callbacks):
    EvidenceFactory(control=ControlFactory(reference="TOM-TRN-01"), text="Awareness training: 48 of 50 done.")
    _, archive = _pack(dpo, django_capture_on_commit_callbacks)
    assert "Awareness training: 48 of 50 done." in pdf_text(archive.read("index.pdf"))
    assert [p for p in archive.namelist() if p.startswith("evidence/")] == []


@pytest.mark.parametrize("controls", [2, 20])
def test_the_pack_and_register_snapshots_take_a_fixed_number_of_queries(dpo, django_assert_max_num_queries, controls):
    from controls.exports import control_register_snapshot

    for n in range(controls):
        control = ControlFactory(reference=f"TOM-QRY-{n:02d}", owner=UserFactory())
        EvidenceFactory(control=control, uploaded_by=dpo)
    auditor = UserFactory(roles=[Role.AUDITOR])
    with django_assert_max_num_queries(6):
        assert evidence_pack_snapshot("", auditor)["evidence_count"] == controls
    with django_assert_max_num_queries(6):
        assert control_register_snapshot("", auditor)["control_count"] == controls
