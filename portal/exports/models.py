"""Export jobs and the published, immutable versions of versioned documents (TOM annexes)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a finished export stays downloadable before retention removes it.
EXPORT_KEEP_DAYS = 30


class ExportJob(models.Model):
    """One requested document: queued, rendered by a worker on the exports queue, then downloadable."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=64)
    parameters = models.JSONField(default=dict, blank=True)
    title = models.CharField(max_length=250, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True)  # offered to the browser
    file_path = models.CharField(max_length=300, blank=True)  # in the encrypted file store
    file_sha256 = models.CharField(max_length=64, blank=True)  # of the plaintext document
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_key_id = models.CharField(max_length=64, blank=True)
    snapshot_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("download_any_exportjob", "Can download exports requested by other users"),
            ("request_evidence_pack", "Can request an evidence pack: every evidence file with its hashes"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="exports_job_progress_max_100"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file_path=""), name="exports_job_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.kind} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @staticmethod
    def expiry_from(finished_at):
        return finished_at + timedelta(days=EXPORT_KEEP_DAYS)


class AnnexVersion(models.Model):
    """A published version N of a versioned document for one subject; never changed after publishing.

    `subject_key` is the customer's slug ("" for the annex covering all customers); the backbone
    keeps the key and name as text so it never depends on a domain model.
    """

    kind = models.CharField(max_length=64)
    subject_key = models.CharField(max_length=100, blank=True)
    subject_label = models.CharField(max_length=250)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=250)
    snapshot = models.JSONField()  # the content as published
    content_sha256 = models.CharField(max_length=64, db_index=True)  # of the content alone: "has it changed?"
    # Of the content together with kind, subject, number and date: printed on the PDF, looked up by /verify.
    snapshot_sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=200)
    file_path = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64, db_index=True)  # of the PDF file: /verify/ accepts it too
    file_size = models.PositiveBigIntegerField()
    file_key_id = models.CharField(max_length=64, blank=True)
    changes = models.JSONField(default=dict, blank=True)  # the diff against version N-1
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)
    # The day the version takes effect (after the subject's notice period); empty: on publication.
    effective_on = models.DateField(null=True, blank=True)
    notice_sent_to = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["kind", "subject_key", "-number"]
        permissions = [("publish_annexversion", "Can publish a new version of a TOM annex")]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_key", "number"], name="exports_annex_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.title} for {self.subject_label}, version {self.number}"
