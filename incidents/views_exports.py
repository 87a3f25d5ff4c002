"""Documents of incident cases: request a notice PDF for a case, and the breach register."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from incidents import exports, selectors
from portal.accounts.mfa import require_recent_mfa
from portal.exports import services as export_services
from portal.exports.registry import ALL_SUBJECTS

CASE_KINDS = {"controller-notice": exports.CONTROLLER_NOTICE, "art33": exports.ART33_NOTIFICATION}


@login_required
@permission_required("incidents.view_incident", raise_exception=True)
@require_POST
@require_recent_mfa
def incident_export(request, pk: int, kind: str):
    """Queue a notice PDF of a case the user may see; the export page follows it and offers the download."""
    incident = get_object_or_404(selectors.incidents_visible_to(request.user), pk=pk)
    if kind not in CASE_KINDS:
        raise Http404(_("No such document."))
    try:
        job = export_services.export_request(kind_name=CASE_KINDS[kind], subject_key=str(incident.pk),
                                             actor=request.user)
    except export_services.ExportError as exc:
        messages.error(request, str(exc))
        return redirect("incidents:detail", pk=pk)
    return redirect("exports:detail", pk=job.pk)


@login_required
@permission_required("incidents.view_all_incidents", raise_exception=True)
@require_GET
def breach_register(request):
    """Every personal data breach, notified or not (Art. 33(5)); exercises are listed apart."""
    rows = list(selectors.breach_register(request.user))
    return render(request, "incidents/breach_register.html", {"rows": rows})


@login_required
@permission_required("incidents.view_all_incidents", raise_exception=True)
@require_POST
@require_recent_mfa
def breach_register_export(request):
    job = export_services.export_request(kind_name=exports.BREACH_REGISTER, subject_key=ALL_SUBJECTS,
                                         actor=request.user)
    return redirect("exports:detail", pk=job.pk)
