"""The incident programme's daily figures (portal.core.metrics): open cases and notification duties past due.

Exercises (drills) stay out of every figure, as they stay out of the breach register and the statistics.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident, Obligation, Phase
from portal.core.metrics import MetricSource, register

ENDED = (Phase.CLOSED, Phase.NOT_A_BREACH)


def _open(day) -> dict[str, float]:
    end_of_day = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return {
        "open_incidents": Incident.objects.filter(is_exercise=False).exclude(phase__in=ENDED).count(),
        "obligations_overdue": Obligation.objects.filter(
            is_exercise=False, status=Obligation.Status.OPEN, deadline_at__lt=min(end_of_day, timezone.now()),
        ).count(),
    }


register(MetricSource(
    name="incidents.open",
    title=_("Open incidents and notification duties past their deadline"),
    series=(("open_incidents", _("Open incidents")), ("obligations_overdue", _("Notifications overdue"))),
    compute=_open,
    permission="incidents.view_all_incidents",
    order=30,
))
