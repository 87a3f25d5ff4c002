"""Register export (CSV streamed, XLSX) of the filtered list, and the all-or-nothing CSV import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from controls import selectors, services_register
from controls.forms import ControlFilterForm, ControlImportForm
from controls.services_register import ExportFormat
from portal.accounts.mfa import require_recent_mfa

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@permission_required("controls.view_control", raise_exception=True)
@require_GET
@require_recent_mfa
def register_export(request):
    """The list as filtered on the register page, as CSV (streamed) or XLSX."""
    fmt = request.GET.get("format", ExportFormat.CSV)
    if fmt not in ExportFormat.ALL:
        fmt = ExportFormat.CSV
    form = ControlFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    controls = selectors.control_list(request.user, **form.selector_kwargs())
    services_register.control_register_export(
        actor=request.user, fmt=fmt, filters={k: v for k, v in filters.items() if k != "sort"},
        count=controls.count(),
    )
    filename = f"annex-controls-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == ExportFormat.XLSX:
        response = HttpResponse(services_register.xlsx_bytes(controls), content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(services_register.csv_lines(controls), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("controls.change_any_control", raise_exception=True)
@permission_required("controls.add_control", raise_exception=True)
@require_http_methods(["GET", "POST"])
def register_import(request):
    form = ControlImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read(services_register.IMPORT_MAX_BYTES + 1)
        result = services_register.control_register_import(
            actor=request.user, data=data, check_only=form.cleaned_data["check_only"]
        )
        if result.ok and not result.checked_only:
            messages.success(request, " ".join([
                ngettext("%(count)d control imported.", "%(count)d controls imported.", len(result.created))
                % {"count": len(result.created)}, result.dialect.describe()]))
            return redirect("controls:list")
    return render(request, "controls/control_import.html", {
        "form": form,
        "result": result,
        "columns": services_register.IMPORT_COLUMNS,
        "required": services_register.REQUIRED_COLUMNS,
    })
