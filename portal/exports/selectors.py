"""Reads of export jobs and published versions, scoped to the user."""

from django.db.models import Q, QuerySet

from portal.exports.diffs import readable_diff
from portal.exports.models import AnnexVersion, ExportJob
from portal.exports.registry import ALL_SUBJECTS, ALL_SUBJECTS_URL_KEY, ExportKind, get_kind, kinds
from portal.exports.rendering import content_diff, content_sha256, latest_version


def jobs_visible_to(user) -> QuerySet[ExportJob]:
    """Own jobs; every job for those who may download any export (DPO, admin, auditor). A job found here is shown
    or downloaded only if `job_readable_by` agrees as well."""
    qs = ExportJob.objects.select_related("requested_by")
    if user.has_perm("exports.download_any_exportjob"):
        return qs
    return qs.filter(requested_by=user)


def job_readable_by(job: ExportJob, user) -> bool:
    """Whether `user` may see `job` and download its file now.

    Asked at every read, not only when the job was requested, because access changes meanwhile: a responder is
    taken off a case, a role is withdrawn. The reader needs the kind's permission and, for a need-to-know kind
    (`subjects_for`: an incident case), the subject among those they may choose now. A document made with its
    requester's scope (`per_user`) holds what that requester could see, so only the requester reads it;
    any other job, the requester or whoever may download any export."""
    try:
        kind = get_kind(job.kind)
    except LookupError:  # a kind no longer registered: its file is still the requester's
        return job.requested_by_id == user.pk
    if not user.has_perm(kind.permission):
        return False
    if kind.subjects_for is not None:
        subject = (job.parameters or {}).get("subject")
        if subject not in {key for key, _label in kind.subjects_available(user)}:
            return False
    if job.requested_by_id == user.pk:
        return True
    return not kind.per_user and user.has_perm("exports.download_any_exportjob")


def my_jobs(user, limit: int = 50) -> list[ExportJob]:
    return list(ExportJob.objects.filter(requested_by=user).order_by("-created_at")[:limit])


def versions_visible_to(user) -> QuerySet[AnnexVersion]:
    if not user.has_perm("exports.view_annexversion"):
        return AnnexVersion.objects.none()
    return AnnexVersion.objects.select_related("published_by")


def versioned_kinds() -> list[ExportKind]:
    return [kind for kind in kinds() if kind.versioned]


def subject_from_url(key: str) -> str:
    return ALL_SUBJECTS if key == ALL_SUBJECTS_URL_KEY else key


def subject_to_url(key: str) -> str:
    return ALL_SUBJECTS_URL_KEY if key == ALL_SUBJECTS else key


def annex_overview(kind: ExportKind, subjects: list[tuple[str, str]] | None = None) -> list[dict]:
    """Each subject (all the kind's unless given) with its latest published version and whether the current
    content differs from it."""
    latest: dict[str, AnnexVersion] = {}
    versions = AnnexVersion.objects.filter(kind=kind.name).defer("snapshot", "changes")
    for version in versions.order_by("subject_key", "-number"):
        latest.setdefault(version.subject_key, version)
    subjects = kind.subject_choices() if subjects is None else subjects
    keys = [key for key, _ in subjects]
    contents = kind.snapshots(keys) if kind.snapshots else {key: kind.snapshot(key) for key in keys}
    overstated = {}
    if kind.overstated and latest:
        # The latest versions with their content: do they still say only what is true?
        overstated = kind.overstated(list(AnnexVersion.objects.filter(pk__in=[v.pk for v in latest.values()])))
    rows = []
    for key, label in subjects:
        version = latest.get(key)
        current = content_sha256(contents[key])
        rows.append({
            "key": key, "url_key": subject_to_url(key), "label": label, "version": version,
            "changed": version is None or version.content_sha256 != current,
            "overstated": overstated.get(version.pk, []) if version else [],
        })
    return rows


def annex_status(kind: ExportKind, subject_key: str) -> dict:
    """The current content, its hash, the last published version and the diff against it."""
    content = kind.snapshot(subject_key)
    previous = latest_version(kind, subject_key)
    diff = content_diff(previous.snapshot if previous else None, content)
    digest = content_sha256(content)
    versions = list(AnnexVersion.objects.filter(kind=kind.name, subject_key=subject_key)
                    .select_related("published_by").order_by("-number"))
    return {
        "content": content, "content_sha256": digest, "previous": previous, "diff": diff,
        "readable_diff": readable_diff(diff),
        "changed": previous is None or previous.content_sha256 != digest,
        "versions": versions,
        "blockers": kind.publish_blockers(subject_key) if kind.publish_blockers else [],
        "overstated": (kind.overstated([previous]).get(previous.pk, []) if kind.overstated and previous else []),
        "subject_note": kind.subject_note(subject_key) if kind.subject_note else "",
        "panel": kind.subject_panel(subject_key) if kind.subject_panel else {},
    }


def version_verify(sha256: str) -> dict:
    """What the public verification page may say about a fingerprint, and nothing more.

    Either hash identifies a published version: the content fingerprint printed in the document, or the
    SHA-256 of the PDF file itself, which a recipient gets from `sha256sum` without reading the document.
    """
    sha256 = sha256.lower()
    version = AnnexVersion.objects.filter(Q(snapshot_sha256=sha256) | Q(file_sha256=sha256)).first()
    if version is None:
        for kind in kinds():
            found = kind.verifier(sha256.lower()) if kind.verifier else None
            if found is not None:
                return {"genuine": True, "document": found}
        return {"genuine": False}
    newest = latest_version(version.kind, version.subject_key)
    return {
        "genuine": True, "version": version, "matched_file": version.file_sha256 == sha256,
        "superseded_by": newest if newest and newest.number > version.number else None,
    }
