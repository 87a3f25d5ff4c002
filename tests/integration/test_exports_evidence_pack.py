"""The register and the evidence pack rendered by a real worker on the exports queue, against PostgreSQL."""

import hashlib
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from controls.exports import CONTROL_REGISTER_XLSX, EVIDENCE_PACK
from controls.models import Evidence
from controls.services_evidence import evidence_add
from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.services import export_request
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory
from tests.integration.test_exports_worker import _wait_until_finished


def _document(job_id) -> tuple[ExportJob, bytes]:
    job = _wait_until_finished(job_id)
    assert job.status == ExportJob.Status.DONE, job.error
    data = storage.read_document(job.file_path, purpose=storage.job_purpose(job))
    assert hashlib.sha256(data).hexdigest() == job.file_sha256
    return job, data


@pytest.mark.django_db(transaction=True)
def test_an_evidence_pack_made_by_the_worker_matches_every_recorded_hash(celery_worker):
    auditor = UserFactory(roles=[Role.AUDITOR])
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(reference="TOM-INT-02")
    uploads = [
        evidence_add(control=control, actor=dpo, kind=Evidence.Kind.FILE, title=f"Report {n}",
                     upload=io.BytesIO(f"restore test {n}: passed\n".encode() * 1000), filename=f"restore-{n}.txt")
        for n in range(3)
    ]
    _, data = _document(export_request(kind_name=EVIDENCE_PACK, subject_key="", actor=auditor).pk)
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json"))
    recorded = {str(e.public_id): e.sha256 for e in uploads}
    packed = {entry["evidence_id"]: entry for entry in manifest["files"] if "evidence_id" in entry}
    assert set(packed) == set(recorded)
    for evidence_id, entry in packed.items():
        assert hashlib.sha256(archive.read(entry["path"])).hexdigest() == entry["sha256"] == recorded[evidence_id]
    assert archive.read("index.pdf").startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_a_register_workbook_made_by_the_worker_holds_the_requesters_controls(celery_worker):
    ControlFactory(reference="TOM-INT-03")
    ControlFactory(reference="TOM-INT-04")
    job, data = _document(export_request(kind_name=CONTROL_REGISTER_XLSX, subject_key="",
                                         actor=UserFactory(roles=[Role.SECURITY_OFFICER])).pk)
    rows = list(load_workbook(io.BytesIO(data), read_only=True)["Controls"].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["TOM-INT-03", "TOM-INT-04"]
    assert job.file_name.endswith(".xlsx")
