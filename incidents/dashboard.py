"""Incidents on the home page (portal.core.dashboard).

- A panel for those who work on cases: their open cases, the nearest deadline first, with a countdown that the
  page refreshes every minute (one query).
- A posture card for those who see every case: open incidents and their clocks, and this year's breaches notified
  on time or late (three queries); exercises (drills) stay out of every figure.
"""

from datetime import datetime, time, timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents.clock_text import countdown
from incidents.models import OPEN_PHASES, Incident, Obligation, Phase
from incidents.selectors import board
from portal.core.dashboard import Card, CardData, Figure, Finding, Panel, register

CASES_SHOWN = 8


def _countdown_text(deadline, now) -> str:
    return countdown(deadline, now)["text"]


# Cards are kept for a minute and shown in each reader's language: their words are translated when shown.
_lazy_countdown = lazy(_countdown_text, str)


def _my_cases(user) -> dict:
    rows = list(board(user)[:CASES_SHOWN + 1])
    return {"cases": rows[:CASES_SHOWN], "more": len(rows) > CASES_SHOWN, "now": timezone.now()}


def _year_start(today) -> datetime:
    return timezone.make_aware(datetime.combine(today.replace(month=1, day=1), time.min))


def _notified_this_year(today) -> tuple[int, int]:
    """Breaches of this year with a notification filed: (all filed on time, at least one filed late)."""
    late_by_case = (Obligation.objects.filter(is_exercise=False, status=Obligation.Status.FILED,
                                              filed_at__gte=_year_start(today))
                    .order_by().values("incident_id").annotate(late=Count("pk", filter=Q(filed_late=True)))
                    .values_list("late", flat=True))
    late = sum(1 for n in late_by_case if n)
    return len(late_by_case) - late, late


def _posture(today) -> CardData:
    now = timezone.now()
    counts = Incident.objects.filter(is_exercise=False, phase__in=OPEN_PHASES).aggregate(
        open=Count("pk", distinct=True),
        overdue=Count("obligations", filter=Q(obligations__status=Obligation.Status.OPEN,
                                              obligations__deadline_at__lt=now)),
        due_24h=Count("obligations", filter=Q(obligations__status=Obligation.Status.OPEN,
                                              obligations__deadline_at__gte=now,
                                              obligations__deadline_at__lt=now + timedelta(hours=24))),
    )
    nearest = (Obligation.objects.filter(is_exercise=False, status=Obligation.Status.OPEN, deadline_at__isnull=False,
                                         incident__phase__in=OPEN_PHASES)
               .select_related("incident").only("recipient_label", "deadline_at", "incident__reference")
               .order_by("deadline_at").first())
    on_time, late = _notified_this_year(today)
    board_url, register_url = reverse("incidents:board"), reverse("incidents:register")
    note = ""
    if nearest is not None:
        note = format_lazy(_("Nearest deadline: {case}, notification to {recipient}, {when}."),
                           case=nearest.incident.reference, recipient=nearest.recipient_label,
                           when=_lazy_countdown(nearest.deadline_at, now))
    return CardData(figures=[
        Figure(_("open incidents"), counts["open"], board_url, "warn" if counts["open"] else ""),
        Figure(_("notifications overdue"), counts["overdue"], board_url, "bad" if counts["overdue"] else ""),
        Figure(_("notifications due within 24 hours"), counts["due_24h"], board_url,
               "warn" if counts["due_24h"] else ""),
        Figure(_("breaches notified on time this year"), on_time, register_url, "ok" if on_time else ""),
        Figure(_("breaches notified late this year"), late, register_url, "bad" if late else ""),
    ], note=note)


def _findings(today, limit) -> list[Finding]:
    now = timezone.now()
    overdue = (Obligation.objects.filter(is_exercise=False, status=Obligation.Status.OPEN, deadline_at__lt=now)
               .exclude(incident__phase__in=(Phase.CLOSED, Phase.NOT_A_BREACH))
               .select_related("incident").only("title", "recipient_label", "deadline_at", "incident__reference",
                                                "incident__title")
               .order_by("deadline_at")[:limit])
    return [Finding(o.incident.reference, o.incident.title,
                    gettext("%(duty)s to %(recipient)s overdue since %(when)s") % {
                        "duty": gettext(o.title), "recipient": gettext(o.recipient_label),
                        "when": formats.date_format(timezone.localtime(o.deadline_at), "DATETIME_FORMAT")})
            for o in overdue]


register(Panel(name="incidents.cases", template="incidents/partials/_dashboard_panel.html", context=_my_cases,
               permission="incidents.view_incident", order=5))
register(Card(name="incidents.posture", title=_("Incidents and breaches"), compute=_posture,
              permission="incidents.view_all_incidents", order=20, findings=_findings))
