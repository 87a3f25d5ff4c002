"""Exports: request a document, watch it render, download it; publish and verify TOM annex versions."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.accounts.mfa import require_recent_mfa
from portal.exports import selectors, services, storage
from portal.exports.forms import AnnexPublishForm, ExportRequestForm
from portal.exports.models import ExportJob
from portal.exports.registry import PDF_CONTENT_TYPE, get_kind, kinds_for, subjects_available_of

GONE = 410


def _list_page(request, form, *, status=200):
    return render(
        request, "exports/exportjob_list.html",
        {"jobs": selectors.my_jobs(request.user), "form": form, "kinds": kinds_for(request.user),
         "annex_kinds": selectors.versioned_kinds()},
        status=status,
    )


@login_required
@require_GET
def export_list(request):
    """My exports, newest first, with the form to request another."""
    return _list_page(request, ExportRequestForm(user=request.user))


@login_required
@require_POST
@require_recent_mfa
def export_request(request):
    if not kinds_for(request.user):
        raise PermissionDenied(_("No export is available to you."))
    form = ExportRequestForm(request.POST, user=request.user)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    kind_name, subject_key = form.cleaned_request()
    try:
        job = services.export_request(kind_name=kind_name, subject_key=subject_key, actor=request.user)
    except services.ExportError as exc:
        form.add_error(None, str(exc))
        return _list_page(request, form, status=400)
    # Where tasks run eagerly (or a worker was quick) the job has already finished by now.
    job.refresh_from_db(fields=["status"])
    if job.status == ExportJob.Status.DONE:
        messages.success(request, _("%(title)s is ready to download.") % {"title": job.title})
    elif job.status != ExportJob.Status.FAILED:
        messages.success(request, _("%(title)s is queued. This page follows its progress.") % {"title": job.title})
    return redirect("exports:detail", pk=job.pk)


@never_cache
@login_required
@require_GET
def export_detail(request, pk):
    """Progress of one job; htmx polls the partial every two seconds until the job has finished."""
    job = _readable_job(request, pk)
    if request.htmx:
        return render(request, "exports/partials/_job_status.html", {"job": job})
    return render(request, "exports/exportjob_detail.html", {"job": job})


def _readable_job(request, pk) -> ExportJob:
    """The job if this user may read it now; 404 otherwise, as for a job that does not exist."""
    job = get_object_or_404(selectors.jobs_visible_to(request.user), pk=pk)
    if not selectors.job_readable_by(job, request.user):
        raise Http404(_("No such export."))
    return job


def _content_type(job: ExportJob) -> str:
    try:
        return get_kind(job.kind).content_type
    except LookupError:  # a kind no longer registered: its file is still the requester's
        return mimetypes.guess_type(job.file_name)[0] or "application/octet-stream"


def _attachment(chunks, *, file_name: str, size: int | None, content_type: str = PDF_CONTENT_TYPE):
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=file_name)
    if size is not None:
        response["Content-Length"] = str(size)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_GET
@require_recent_mfa
def export_download(request, pk):
    """The finished file, decrypted on the fly; requester or DPO/admin/auditor (selectors.job_readable_by);
    audited."""
    job = _readable_job(request, pk)
    if job.status != ExportJob.Status.DONE:
        raise Http404(_("This export has no file."))
    if job.is_expired():
        return HttpResponse(_("This export has expired. Request it again."), status=GONE, content_type="text/plain")
    chunks = storage.open_document(job.file_path, purpose=storage.job_purpose(job))
    services.export_record_download(job=job, actor=request.user)
    return _attachment(chunks, file_name=job.file_name, size=job.file_size, content_type=_content_type(job))


def _versioned_kind(name: str):
    try:
        kind = get_kind(name)
    except LookupError:
        raise Http404(_("No such document kind.")) from None
    if not kind.versioned:
        raise Http404(_("This document kind has no versions."))
    return kind


def _subject_label(kind, subject_key: str) -> str:
    label = dict(kind.subject_choices()).get(subject_key)
    if label is None:
        raise Http404(_("No such subject."))
    return label


@login_required
@require_GET
@permission_required("exports.view_annexversion", raise_exception=True)
def annex_list(request):
    """For every subject: the last published version and whether the measures changed since."""
    overview = [{"kind": kind, "rows": selectors.annex_overview(kind, subjects)}
                for kind, subjects in subjects_available_of(selectors.versioned_kinds(), request.user)]
    return render(request, "exports/annex_list.html", {"overview": overview})


@login_required
@require_GET
@permission_required("exports.view_annexversion", raise_exception=True)
def annex_detail(request, kind, subject):
    """The diff between the current measures and the last published version, and the version history."""
    kind = _versioned_kind(kind)
    subject_key = selectors.subject_from_url(subject)
    label = _subject_label(kind, subject_key)
    status = selectors.annex_status(kind, subject_key)
    form = AnnexPublishForm(initial={"content_sha256": status["content_sha256"]})
    return render(request, "exports/annex_detail.html",
                  {"kind": kind, "subject": subject, "subject_label": label, "form": form, **status})


@login_required
@require_POST
@permission_required("exports.publish_annexversion", raise_exception=True)
@require_recent_mfa
def annex_publish(request, kind, subject):
    kind = _versioned_kind(kind)
    subject_key = selectors.subject_from_url(subject)
    _subject_label(kind, subject_key)
    form = AnnexPublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Review the changes on this page, then publish."))
        return redirect("exports:annex_detail", kind=kind.name, subject=subject)
    try:
        version = services.annex_publish(kind_name=kind.name, subject_key=subject_key, actor=request.user,
                                         expected_content_sha256=form.cleaned_data["content_sha256"])
    except services.ExportError as exc:
        messages.error(request, str(exc))
        return redirect("exports:annex_detail", kind=kind.name, subject=subject)
    messages.success(request, _("Published %(title)s for %(subject)s, version %(number)s.")
                     % {"title": version.title, "subject": version.subject_label, "number": version.number})
    return redirect("exports:annex_detail", kind=kind.name, subject=subject)


@never_cache
@login_required
@require_GET
@require_recent_mfa
def version_download(request, pk):
    """The immutable PDF of a published version; audited."""
    if not request.user.has_perm("exports.view_annexversion"):
        raise PermissionDenied
    version = get_object_or_404(selectors.versions_visible_to(request.user), pk=pk)
    chunks = storage.open_document(version.file_path, purpose=storage.version_purpose(version))
    services.annex_version_record_download(version=version, actor=request.user)
    return _attachment(chunks, file_name=version.file_name, size=version.file_size)


@never_cache
@require_GET
def verify(request, sha256):
    """Public: is this fingerprint a genuine published version, and has a newer one been published?"""
    result = selectors.version_verify(sha256) if len(sha256) == 64 else {"genuine": False}
    return render(request, "exports/verify.html", {"sha256": sha256, **result},
                  status=200 if result["genuine"] else 404)
