"""Faults while an export is made: the worker process killed mid-render, the disk full while the file is written."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.exports import storage
from portal.exports.models import ExportJob
from portal.exports.services import export_job_run, export_request
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.factories import UserFactory


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _export_files() -> set[Path]:
    return set((Path(settings.ANNEX_ENCRYPTED_FILES_DIR) / "exports").rglob("*"))


def _wait(job_id, until, timeout: float) -> ExportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ExportJob.objects.get(pk=job_id)
        if until(job):
            return job
        time.sleep(0.05)
    pytest.fail(f"export job {job_id} stayed {job.status} ({job.progress}%) for {timeout} s")


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_killed_mid_export_is_redelivered_and_finishes_once(celery_worker):
    customer = CustomerFactory(slug="kill-test")
    StatedControlFactory.create_batch(150)  # a document that takes long enough to be caught mid-render
    before = _export_files()
    job = export_request(kind_name="controls.tom_annex", subject_key=customer.slug,
                         actor=UserFactory(roles=[Role.DPO]))

    running = _wait(job.pk, lambda j: j.status == ExportJob.Status.RUNNING, timeout=60)
    assert running.progress < 80, "the render finished before the worker could be killed"
    for child in _children(celery_worker.pid):  # the pool processes; the worker itself forks new ones
        os.kill(child, signal.SIGKILL)
    killed_at = time.monotonic()

    done = _wait(job.pk, lambda j: j.is_finished, timeout=180)
    recovery = time.monotonic() - killed_at
    assert done.status == ExportJob.Status.DONE, done.error
    assert done.attempts == 2
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_COMPLETED, target_id=str(job.pk)).count() == 1
    # The killed attempt died before storing anything: no half-written file is left in the store.
    assert not [p for p in _export_files() - before if p.name.endswith(".part")]
    assert storage.read_document(done.file_path, purpose=storage.job_purpose(done)).startswith(b"%PDF")
    print(f"\nfault figure: export redelivered and finished {recovery:.1f} s after its worker process was killed")


@pytest.fixture
def tiny_file_store(tmp_path, settings):
    """The encrypted file store on a 16 kB file system: a rendered annex does not fit."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (the test command runs as root in CI)")
    mount_point = tmp_path / "store"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mount_point)], check=True)
    settings.ANNEX_ENCRYPTED_FILES_DIR = mount_point
    yield mount_point
    subprocess.run(["umount", str(mount_point)], check=True)


@pytest.mark.django_db
def test_a_full_disk_fails_the_export_with_the_reason_and_leaves_no_partial_file(tiny_file_store):
    customer = CustomerFactory(slug="disk-full")
    StatedControlFactory.create_batch(20)
    job = export_request(kind_name="controls.tom_annex", subject_key=customer.slug,
                         actor=UserFactory(roles=[Role.DPO]))

    finished = export_job_run(job_id=job.pk)

    assert finished.status == ExportJob.Status.FAILED
    assert "No space left on device" in finished.error
    assert finished.file_path == "" and finished.file_size is None
    assert [p for p in tiny_file_store.rglob("*") if p.is_file()] == []
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT_FAILED, target_id=str(job.pk)).count() == 1
