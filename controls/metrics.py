"""The control programme's daily figures (portal.core.metrics): the status mix and what is late."""

from datetime import timedelta

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from controls.models import Control, Evidence
from portal.core.metrics import MetricSource, register

EXPIRY_WINDOW_DAYS = 30
STATUS_KEYS = (Control.Status.VERIFIED, Control.Status.IMPLEMENTED, Control.Status.PLANNED,
               Control.Status.NEEDS_ATTENTION)


def _status_mix(day) -> dict[str, float]:
    counts = dict(Control.objects.exclude(status=Control.Status.RETIRED).order_by()
                  .values_list("status").annotate(n=Count("*")))
    return {status: counts.get(status, 0) for status in STATUS_KEYS}


def _late(day) -> dict[str, float]:
    live = Control.objects.exclude(status=Control.Status.RETIRED)
    return {
        "reviews_overdue": live.filter(next_review_due__lt=day).count(),
        "evidence_expiring": Evidence.objects.filter(
            removed_at__isnull=True, valid_until__gte=day, valid_until__lte=day + timedelta(days=EXPIRY_WINDOW_DAYS),
        ).exclude(control__status=Control.Status.RETIRED).count(),
    }


register(MetricSource(
    name="controls.status",
    title=_("Controls by status"),
    series=tuple((str(status), status.label) for status in STATUS_KEYS),
    compute=_status_mix,
    permission="controls.view_control",
    kind="stacked",
    order=10,
))
register(MetricSource(
    name="controls.late",
    title=_("Reviews overdue and evidence expiring within 30 days"),
    series=(("reviews_overdue", _("Reviews overdue")), ("evidence_expiring", _("Evidence expiring"))),
    compute=_late,
    permission="controls.view_control",
    order=11,
))
