"""Export rows built directly (as the services would leave them), for tests that need one ready-made."""

import io

from django.utils import timezone

from portal.exports import storage
from portal.exports.models import ExportJob

PDF_BYTES = b"%PDF-1.7\n% a stand-in document for download tests\n%%EOF\n"


def done_job(owner, *, content: bytes = PDF_BYTES, **fields) -> ExportJob:
    job = ExportJob.objects.create(kind="controls.tom_annex", parameters={"subject": ""}, requested_by=owner,
                                   title="TOM annex: All customers", **fields)
    stored = storage.store_document(io.BytesIO(content), purpose=storage.job_purpose(job))
    now = timezone.now()
    job.status, job.progress, job.file_name = ExportJob.Status.DONE, 100, "annex.pdf"
    job.file_path, job.file_sha256 = stored.path, stored.sha256
    job.file_size, job.file_key_id = stored.size, stored.key_id
    job.finished_at, job.expires_at = now, ExportJob.expiry_from(now)
    job.save()
    return job
