"""The incident panel of the dashboard: open cases and clocks, for those who work on cases (four queries)."""

from django.db.models import F
from django.utils import timezone

from incidents.models import OPEN_PHASES, Obligation
from incidents.selectors import incidents_visible_to, statistics
from portal.core.dashboard import Panel, register


def _incidents(user) -> dict:
    now = timezone.now()
    urgent = list(
        Obligation.objects.filter(incident__in=incidents_visible_to(user).filter(phase__in=OPEN_PHASES),
                                  status=Obligation.Status.OPEN, deadline_at__isnull=False)
        .select_related("incident").only("id", "title", "recipient_label", "deadline_at", "clock_start", "status",
                                         "clock_start_kind", "filed_late", "incident__id", "incident__reference",
                                         "incident__is_exercise")
        .order_by(F("deadline_at").asc(), "pk")[:6])
    return {"counts": statistics(user, now), "urgent": urgent, "now": now}


register(Panel(
    name="incidents.clocks",
    template="incidents/partials/_dashboard_panel.html",
    context=_incidents,
    permission="incidents.view_incident",
    order=5,
))
