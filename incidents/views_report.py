"""Reporting a suspected breach: a page for everyone in the organisation, as the awareness training teaches."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from incidents import forms, services
from incidents.views import add_service_errors


@login_required
@require_http_methods(["GET", "POST"])
def report_suspected_breach(request):
    """Every signed-in person may report; the case goes to the on-call responders and the DPO, not to the
    reporter, who learns its reference only."""
    form = forms.SuspectedBreachForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report_suspected_breach(
                actor=request.user, description=data["description"], noticed_at=data["detected_at"],
                affected=data["affected"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _(
                "Thank you. The incident response team has your report %(ref)s and has been alerted. Stay "
                "reachable, and keep any evidence (emails, devices, screenshots) as it is.") % {
                "ref": incident.reference})
            return redirect("incidents:report")
    status = 400 if request.method == "POST" else 200
    return render(request, "incidents/suspected_breach_form.html", {"form": form}, status=status)
