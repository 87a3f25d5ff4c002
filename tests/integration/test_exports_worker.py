import hashlib
import time

import pytest

from portal.accounts.roles import Role
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.services import export_request
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.factories import UserFactory


def _wait_until_finished(job_id, timeout: float = 90) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ExportJob.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.5)
    pytest.fail(f"export job {job_id} did not finish within {timeout} s (status {job.status}, {job.progress}%)")


@pytest.mark.django_db(transaction=True)
def test_an_annex_job_runs_on_the_exports_queue_of_a_real_worker_and_its_file_matches_its_hash(celery_worker):
    customer = CustomerFactory(slug="acme")
    StatedControlFactory(reference="TOM-INT-01")
    job = export_request(kind_name="controls.tom_annex", subject_key=customer.slug,
                         actor=UserFactory(roles=[Role.DPO]))
    finished = _wait_until_finished(job.pk)
    assert finished.status == ExportJob.Status.DONE, finished.error
    assert finished.attempts == 1 and finished.progress == 100
    data = storage.read_document(finished.file_path, purpose=storage.job_purpose(finished))
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == finished.file_sha256
    assert len(data) == finished.file_size
