"""Every write of the exports backbone: requesting and running jobs, publishing versions, notices."""

import logging
import tempfile
import zlib
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.core.broker import publish
from portal.exports import storage
from portal.exports.models import AnnexVersion, ExportJob
from portal.exports.registry import ALL_SUBJECTS, get_kind
from portal.exports.rendering import (
    content_diff,
    content_sha256,
    document_languages,
    latest_version,
    render_document,
    snapshot_sha256,
    verify_url,
)

logger = logging.getLogger(__name__)

ERROR_MAX_CHARS = 2000
# A job still queued, never started, this long after it was requested lost its message: it is sent again.
REQUEUE_AFTER = timedelta(minutes=5)
_RENDER_LOCKS = 0x414E5845  # the advisory lock space of export renders ("ANXE")


class ExportError(Exception):
    """A request that cannot be carried out, with a message fit to show the user."""


def _subject_label(kind, subject_key: str, user=None) -> str:
    labels = dict(kind.subject_choices() if user is None else kind.subjects_available(user))
    if subject_key not in labels:
        raise ExportError(_("%(kind)s cannot be made for the subject chosen.") % {"kind": kind.label})
    return labels[subject_key]


@transaction.atomic
def export_request(*, kind_name: str, subject_key: str, actor) -> ExportJob:
    """Queue a document for rendering on the exports queue."""
    try:
        kind = get_kind(kind_name)
    except LookupError:
        raise ExportError(_("Choose one of the exports offered.")) from None
    if not actor.has_perm(kind.permission):
        raise PermissionDenied(_("%(kind)s is not available to you.") % {"kind": kind.label})
    label = _subject_label(kind, subject_key, actor)
    job = ExportJob.objects.create(
        kind=kind.name, parameters={"subject": subject_key}, title=f"{kind.label}: {label}", requested_by=actor
    )
    audit_record(action=AuditAction.EXPORT_REQUESTED, actor=actor, target=job, target_label=job.title,
                 changes={"kind": kind.name, "subject": subject_key})
    from portal.exports.tasks import export_render_task

    transaction.on_commit(lambda: publish(export_render_task, (str(job.pk),), what=f"export job {job.pk}"))
    return job


def exports_requeue(*, min_age: timedelta = REQUEUE_AFTER) -> int:
    """Publish again the jobs still queued and never started after `min_age` (their message was lost, e.g. the
    broker was down when they were requested). A job published twice is rendered once (export_job_run)."""
    from portal.exports.tasks import export_render_task

    stalled = ExportJob.objects.filter(status=ExportJob.Status.QUEUED, attempts=0,
                                       created_at__lte=timezone.now() - min_age).values_list("pk", flat=True)
    return sum(publish(export_render_task, (str(pk),), what=f"export job {pk}") for pk in stalled)


def _set_progress(job_id, percent: int) -> None:
    ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.RUNNING).update(progress=percent)


def export_job_run(*, job_id) -> ExportJob:
    """Render a queued job. A finished job is left as it is, so a redelivered task does no work twice.

    A job found `running` was interrupted (its worker died before acknowledging); it is rendered again, unless
    another process is rendering it right now (a duplicate message): that one finishes it.
    """
    with _sole_renderer(job_id) as sole:
        if not sole:
            return ExportJob.objects.get(pk=job_id)
        return _export_job_render(job_id)


@contextmanager
def _sole_renderer(job_id):
    """On PostgreSQL, one process at a time renders a job: an advisory lock held by its connection, so a worker
    killed mid-render releases it with the connection. SQLite (one host, the demo) has no such lock."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = zlib.crc32(str(job_id).encode()) - 2**31  # the int4 pair form of the lock
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_RENDER_LOCKS, key])
        sole = cursor.fetchone()[0]
    try:
        yield sole
    finally:
        if sole:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_RENDER_LOCKS, key])


def _export_job_render(job_id) -> ExportJob:
    with transaction.atomic():
        job = ExportJob.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=job_id)
        if job.is_finished:
            return job
        job.status, job.started_at, job.progress = ExportJob.Status.RUNNING, timezone.now(), 5
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "progress", "attempts"])

    stored = None
    try:
        kind = get_kind(job.kind)
        # Rendered with the requester's rights as they are now: a role withdrawn since the request counts.
        if not job.requested_by.is_active or not job.requested_by.has_perm(kind.permission):
            raise ExportError(_("%(kind)s is no longer available to the user who requested it.") % {"kind": kind.label})
        with tempfile.TemporaryFile(prefix="annex-export-") as target:
            document = render_document(kind, job.parameters.get("subject", ALL_SUBJECTS), target,
                                       progress=lambda p: _set_progress(job.pk, p), user=job.requested_by)
            _set_progress(job.pk, 80)
            stored = storage.store_document(target, purpose=storage.job_purpose(job))
        return _export_job_finish(job_id=job.pk, stored=stored, document=document)
    except Exception as exc:  # any failure ends the job as failed, with its reason
        logger.exception("export job %s failed", job.pk)
        if stored is not None:
            storage.delete_document(stored.path)
        return export_job_fail(job_id=job.pk, reason=f"{type(exc).__name__}: {exc}")


@transaction.atomic
def _export_job_finish(*, job_id, stored, document) -> ExportJob:
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    now = timezone.now()
    job.status, job.progress, job.error = ExportJob.Status.DONE, 100, ""
    job.file_name, job.file_path, job.file_sha256 = document.file_name, stored.path, stored.sha256
    job.file_size, job.file_key_id, job.snapshot_sha256 = stored.size, stored.key_id, document.printed_sha256
    job.finished_at, job.expires_at = now, ExportJob.expiry_from(now)
    job.save(update_fields=["status", "progress", "error", "file_name", "file_path", "file_sha256", "file_size",
                            "file_key_id", "snapshot_sha256", "finished_at", "expires_at"])
    audit_record(action=AuditAction.EXPORT_COMPLETED, actor=None, target=job, target_label=job.title,
                 changes={"sha256": job.file_sha256, "size": job.file_size, "key_id": job.file_key_id})
    return job


@transaction.atomic
def export_job_fail(*, job_id, reason: str) -> ExportJob:
    """End a job as failed, with the reason and without a file."""
    job = ExportJob.objects.select_for_update().get(pk=job_id)
    job.status, job.error, job.finished_at = ExportJob.Status.FAILED, reason[:ERROR_MAX_CHARS], timezone.now()
    job.file_path = job.file_sha256 = job.file_name = ""
    job.file_size = None
    job.save(update_fields=["status", "error", "finished_at", "file_path", "file_sha256", "file_name", "file_size"])
    audit_record(action=AuditAction.EXPORT_FAILED, actor=None, target=job, target_label=job.title,
                 changes={"error": job.error[:300]})
    return job


def export_record_download(*, job: ExportJob, actor) -> None:
    audit_record(action=AuditAction.EXPORT_DOWNLOADED, actor=actor, target=job, target_label=job.title,
                 changes={"sha256": job.file_sha256, "requested_by": job.requested_by_id})


def annex_version_record_download(*, version: AnnexVersion, actor) -> None:
    audit_record(action=AuditAction.EXPORT_DOWNLOADED, actor=actor, target=version,
                 changes={"sha256": version.file_sha256, "snapshot_sha256": version.snapshot_sha256})


def annex_publish(*, kind_name: str, subject_key: str, actor, expected_content_sha256: str = "") -> AnnexVersion:
    """Freeze the current content as the next version: snapshot, its hash, the immutable PDF; notify the contact.

    `expected_content_sha256` is the content the publisher reviewed; if the controls changed since,
    nothing is published and the diff must be reviewed again.
    """
    if not actor.has_perm("exports.publish_annexversion"):
        raise PermissionDenied(_("Publishing annex versions is reserved to the DPO and administrators."))
    try:
        kind = get_kind(kind_name)
    except LookupError:
        raise ExportError(_("Choose one of the exports offered.")) from None
    if not kind.versioned:
        raise ExportError(_("%(kind)s has no published versions.") % {"kind": kind.label})
    subject_label = _subject_label(kind, subject_key)
    blockers = kind.publish_blockers(subject_key) if kind.publish_blockers else []
    if blockers:
        raise ExportError(ngettext(
            "%(count)d measure needs the DPO's decision before this annex can be published: %(references)s.",
            "%(count)d measures need the DPO's decision before this annex can be published: %(references)s.",
            len(blockers)) % {"count": len(blockers), "references": ", ".join(b["reference"] for b in blockers)})
    content = kind.snapshot(subject_key)
    digest = content_sha256(content)
    previous = latest_version(kind, subject_key)
    if previous is not None and previous.content_sha256 == digest:
        raise ExportError(_("Nothing has changed since version %(number)s; there is nothing to publish.")
                          % {"number": previous.number})
    if expected_content_sha256 and expected_content_sha256 != digest:
        raise ExportError(
            _("The measures changed while you were reviewing them. Review the changes again, then publish."))
    number = previous.number + 1 if previous else 1
    return _version_publish(
        kind=kind, subject_key=subject_key, subject_label=subject_label, content=content, digest=digest,
        number=number, previous=previous, actor=actor, action=AuditAction.ANNEX_PUBLISHED,
    )


def certificate_publish(*, kind_name: str, subject_key: str, actor, action: str) -> AnnexVersion:
    """Publish a one-off verifiable document (a certificate) for a subject; a second call returns the first.

    The caller has checked its own rule (the certificate's kind names the permission); the document gets a
    published version, so its fingerprint is verifiable at /verify/, and the kind's contacts get it by email.
    """
    kind = get_kind(kind_name)
    existing = latest_version(kind, subject_key)
    if existing is not None:
        return existing
    content = kind.snapshot(subject_key)
    return _version_publish(
        kind=kind, subject_key=subject_key, subject_label=content.get("subject_label", subject_key),
        content=content, digest=content_sha256(content), number=1, previous=None, actor=actor, action=action,
    )


def _version_publish(*, kind, subject_key, subject_label, content, digest, number, previous, actor,
                     action) -> AnnexVersion:
    now = timezone.now()
    today = timezone.localdate(now)
    version = AnnexVersion(
        effective_on=kind.effective_on(subject_key, today) if kind.effective_on else today,
        kind=kind.name, subject_key=subject_key, subject_label=subject_label, number=number,
        title=content.get("title", kind.label), snapshot=content, content_sha256=digest,
        snapshot_sha256=snapshot_sha256(kind=kind.name, subject_key=subject_key, number=number, published_at=now,
                                        content=content),
        changes=content_diff(previous.snapshot if previous else None, content),
        published_by=actor, published_at=now,
    )
    stored = None
    try:
        with tempfile.TemporaryFile(prefix="annex-publish-") as target:
            document = render_document(kind, subject_key, target, content=content, version=version)
            stored = storage.store_document(target, purpose=storage.version_purpose(version))
        version.file_name, version.file_path, version.file_sha256 = document.file_name, stored.path, stored.sha256
        version.file_size, version.file_key_id = stored.size, stored.key_id
        # The PDF was rendered outside any transaction (it takes seconds); only the row, its audit event
        # and the notice are one transaction. A version published meanwhile makes the insert fail.
        with transaction.atomic():
            version.save(force_insert=True)
            audit_record(
                action=action, actor=actor, target=version, target_label=str(version),
                changes={"number": number, "snapshot_sha256": version.snapshot_sha256,
                         "summary": change_summary(version), "effective_on": version.effective_on},
            )
            if kind.on_publish:
                kind.on_publish(version)
            from portal.exports.tasks import annex_notice_send_task

            transaction.on_commit(lambda: annex_notice_send_task.delay(version.pk))
    except BaseException as exc:
        # Nothing was published, so the PDF written for it must not stay behind.
        if stored is not None:
            storage.delete_document(stored.path)
        if isinstance(exc, IntegrityError):
            raise ExportError(
                _("Another version was published at the same moment. Review the changes again.")) from None
        raise
    return version


def change_summary(version: AnnexVersion) -> dict:
    changes = version.changes or {}
    return {key: len(changes.get(key, [])) for key in ("added", "removed", "changed", "sections")}


def annex_notice_send(*, version_id: int) -> list[str]:
    """Email the subject's notice contacts that version N was published and what changed. Sent once."""
    with transaction.atomic():
        version = AnnexVersion.objects.select_for_update().get(pk=version_id)
        if version.notice_sent_to:
            return []
        kind = get_kind(version.kind)
        recipients = kind.notice_recipients(version.subject_key) if kind.notice_recipients else []
        if not recipients:
            return []
        previous = (
            AnnexVersion.objects.filter(kind=version.kind, subject_key=version.subject_key, number__lt=version.number)
            .order_by("-number")
            .first()
        )
        context = {
            "version": version, "previous": previous, "changes": version.changes or {},
            "is_first": previous is None, "verify_url": verify_url(version.snapshot_sha256),
            "organisation": settings.ORGANISATION_NAME, "recipients": recipients,
        }
        # In the contract's language; a bilingual contract gets the German notice, then the English one.
        subjects, bodies = [], []
        for language in document_languages(version.snapshot or {}):
            with translation.override(language):
                subjects.append(kind.notice_subject(version) if kind.notice_subject
                                else gettext("%(title)s: version %(number)s published")
                                % {"title": version.title, "number": version.number})
                bodies.append(render_to_string(kind.notice_template, context))
        message = EmailMessage(
            subject=" / ".join(dict.fromkeys(subjects)),
            body="\n\n----------\n\n".join(bodies),
            to=[email for _, email in recipients],
        )
        pdf = storage.read_document(version.file_path, purpose=storage.version_purpose(version))
        message.attach(version.file_name, pdf, "application/pdf")
        emails = [email for _, email in recipients]
        version.notice_sent_to = emails
        version.save(update_fields=["notice_sent_to"])
        audit_record(action=AuditAction.ANNEX_NOTICE_SENT, actor=None, target=version, target_label=str(version),
                     changes={"recipients": len(emails)})
        # Sent last: a failure above rolls back and the task retries; a failed send raises and rolls back too.
        message.send(fail_silently=False)
    return emails
