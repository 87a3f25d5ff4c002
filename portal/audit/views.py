import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.mfa import require_recent_mfa
from portal.audit.forms import AuditFilterForm
from portal.audit.models import GENESIS_HASH, AuditEvent
from portal.audit.registry import field_label, field_value
from portal.audit.selectors import (
    CSV_COLUMNS,
    audit_event_list_page_rows,
    audit_event_previous_hash,
    audit_events_matching,
)
from portal.audit.services import audit_trail_export
from portal.core.spreadsheet import safe_cell

PAGE_SIZE = 50
# A spreadsheet runs a cell that starts with one of these as a formula.
def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def event_list(request):
    """The audit trail, newest first, filtered and paginated; htmx requests get the results only."""
    form = AuditFilterForm(request.GET)
    events = audit_events_matching(**form.cleaned_data) if form.is_valid() else AuditEvent.objects.none()
    page = Paginator(audit_event_list_page_rows(events), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": _query_without_page(request)}
    status = 400 if form.errors else 200
    if request.htmx and not request.htmx.boosted:
        return render(request, "audit/partials/_event_results.html", context, status=status)
    return render(request, "audit/event_list.html", context, status=status)


def _change_rows(changes) -> list[dict]:
    """{'field': {'before': b, 'after': a}} as table rows; other shapes are shown as plain values."""
    if not isinstance(changes, dict):
        return [{"field": "", "value": _display(changes)}]
    rows = []
    for field, value in sorted(changes.items()):
        label = field_label(field)
        if isinstance(value, dict) and set(value) == {"before", "after"}:
            rows.append({"field": label, "before": _display(field_value(field, value["before"])),
                         "after": _display(field_value(field, value["after"])), "pair": True})
        else:
            rows.append({"field": label, "value": _display(field_value(field, value))})
    return rows


def _display(value) -> str:
    if value is None:
        return "—"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def event_detail(request, seq: int):
    """One event with its before/after values, its hash and whether its link to the previous event holds."""
    event = get_object_or_404(AuditEvent.objects.all(), seq=seq)
    expected_prev = GENESIS_HASH if event.seq == 1 else audit_event_previous_hash(event)
    return render(request, "audit/event_detail.html", {
        "event": event,
        "change_rows": _change_rows(event.changes),
        "hash_intact": event.hash_is_intact(),
        "link_intact": expected_prev == event.prev_hash,
    })


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = value.isoformat() if hasattr(value, "isoformat") else json.dumps(value, ensure_ascii=False,
                                                                                    sort_keys=True)
    return safe_cell(value)


def _csv_lines(events):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in events.order_by("seq").values_list(*CSV_COLUMNS).iterator(chunk_size=2000):
        yield writer.writerow([_csv_cell(value) for value in row])


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_recent_mfa
@require_GET
def export_csv(request):
    """Stream the filtered trail as CSV, oldest first. The export is itself an audit event.

    A GET, like every download: it changes nothing but the trail, which records the read.
    """
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("The filters are not valid; correct them before exporting."))
        return redirect(f"{reverse('audit:event_list')}?{_query_without_page(request)}")
    events, _count = audit_trail_export(actor=request.user, filters=form.cleaned_data)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
