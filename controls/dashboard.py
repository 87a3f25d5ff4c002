"""The control programme at a glance, for everyone who may read the register (three queries)."""

from datetime import timedelta

from django.db.models import Case, Count, Value, When
from django.utils import timezone

from controls.models import Control, Evidence
from portal.core.dashboard import Panel, register

SOON_DAYS = 30


def _counts(today, soon) -> dict[str, int]:
    """The programme's figures from one small GROUP BY (status x review bucket), summed here."""
    bucket = Case(When(next_review_due__lt=today, then=Value("overdue")),
                  When(next_review_due__lte=soon, then=Value("due_soon")), default=Value(""))
    rows = Control.objects.order_by().values_list("status", bucket).annotate(n=Count("*"))
    counts = dict.fromkeys(("total", "needs_attention", "overdue", "due_soon", "verified", "implemented",
                            "planned"), 0)
    for status, when, n in rows:
        if status == Control.Status.RETIRED:
            continue
        counts["total"] += n
        if when:
            counts[when] += n
        if status in counts:
            counts[status] += n
    return counts


def _programme(user) -> dict:
    today = timezone.localdate()
    soon = today + timedelta(days=SOON_DAYS)
    counts = _counts(today, soon)
    expiring = Evidence.objects.filter(
        removed_at__isnull=True, valid_until__gte=today, valid_until__lte=soon
    ).exclude(control__status=Control.Status.RETIRED).count()
    # The user's own reviews and evidence due are in the task inbox (controls/inbox.py).
    return {"counts": counts, "evidence_expiring": expiring, "today": today, "soon_days": SOON_DAYS}


register(Panel(
    name="controls.programme",
    template="controls/partials/_dashboard_panel.html",
    context=_programme,
    permission="controls.view_control",
    order=10,
))
