"""Evidence pages: add to a control, download (decrypted, audited), remove and restore."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controls import selectors, services, services_evidence
from controls.forms import EvidenceForm, EvidenceRemoveForm
from controls.models import Evidence
from controls.views import add_service_errors


def _changeable_control(request, pk: int):
    control = get_object_or_404(selectors.controls_visible_to(request.user).select_related("owner"), pk=pk)
    if not services.can_change_control(request.user, control):
        raise PermissionDenied(_("You may add and remove evidence only on the controls you own."))
    return control


def _changeable_evidence(request, pk: int) -> Evidence:
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    if not services.can_change_control(request.user, evidence.control):
        raise PermissionDenied(_("You may add and remove evidence only on the controls you own."))
    return evidence


@login_required
@permission_required("controls.change_control", raise_exception=True)
@require_http_methods(["GET", "POST"])
def evidence_add(request, pk: int):
    control = _changeable_control(request, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data.get("file")
        try:
            evidence = services_evidence.evidence_add(
                control=control, actor=request.user, kind=data["kind"], title=data["title"],
                description=data["description"], upload=upload, filename=upload.name if upload else "",
                url=data["url"], text=data["text"], valid_from=data["valid_from"], valid_until=data["valid_until"],
                record=data["record"], certificate_standard=data["certificate_standard"],
                certificate_scope=data["certificate_scope"], certificate_issuer=data["certificate_issuer"],
                certificate_number=data["certificate_number"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Evidence “%(title)s” added to %(reference)s.")
                             % {"title": evidence.title, "reference": control.reference})
            return redirect("controls:detail", pk=control.pk)
    return render(request, "controls/evidence_form.html", {"form": form, "control": control})


@login_required
@require_GET
def evidence_download(request, pk: int):
    """No role check before the lookup: whoever may not see the control gets the same 404 as for a wrong id."""
    evidence = get_object_or_404(selectors.evidence_visible_to(request.user), pk=pk)
    if evidence.kind != Evidence.Kind.FILE:
        raise Http404(_("This evidence has no file."))
    chunks = services_evidence.evidence_open_for_download(evidence=evidence, actor=request.user)
    response = StreamingHttpResponse(chunks, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=evidence.original_filename or "evidence"
    )
    response["Content-Length"] = str(evidence.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("controls.change_control", raise_exception=True)
@require_POST
def evidence_remove(request, pk: int):
    evidence = _changeable_evidence(request, pk)
    form = EvidenceRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the evidence is removed."))
        return redirect("controls:detail", pk=evidence.control_id)
    try:
        services_evidence.evidence_remove(evidence=evidence, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence “%(title)s” removed. It can be restored from the list below.")
                         % {"title": evidence.title})
    return redirect("controls:detail", pk=evidence.control_id)


@login_required
@permission_required("controls.change_control", raise_exception=True)
@require_POST
def evidence_restore(request, pk: int):
    evidence = _changeable_evidence(request, pk)
    try:
        services_evidence.evidence_restore(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Evidence “%(title)s” restored.") % {"title": evidence.title})
    return redirect("controls:detail", pk=evidence.control_id)

