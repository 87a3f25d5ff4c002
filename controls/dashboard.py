"""The control programme at a glance, for everyone who may read the register (three queries)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from controls.models import Control, Evidence
from portal.core.dashboard import Panel, register

SOON_DAYS = 30


def _programme(user) -> dict:
    today = timezone.localdate()
    soon = today + timedelta(days=SOON_DAYS)
    live = ~Q(status=Control.Status.RETIRED)
    counts = Control.objects.aggregate(
        total=Count("pk", filter=live),
        needs_attention=Count("pk", filter=Q(status=Control.Status.NEEDS_ATTENTION)),
        overdue=Count("pk", filter=live & Q(next_review_due__lt=today)),
        due_soon=Count("pk", filter=live & Q(next_review_due__gte=today, next_review_due__lte=soon)),
        verified=Count("pk", filter=Q(status=Control.Status.VERIFIED)),
        implemented=Count("pk", filter=Q(status=Control.Status.IMPLEMENTED)),
        planned=Count("pk", filter=Q(status=Control.Status.PLANNED)),
    )
    expiring = Evidence.objects.filter(
        removed_at__isnull=True, valid_until__gte=today, valid_until__lte=soon
    ).exclude(control__status=Control.Status.RETIRED).count()
    mine = list(
        Control.objects.filter(live, owner=user, next_review_due__lte=soon)
        .order_by("next_review_due", "reference")
        .only("id", "reference", "title", "status", "next_review_due")[:8]
    )
    return {"counts": counts, "evidence_expiring": expiring, "my_due": mine, "today": today, "soon_days": SOON_DAYS}


register(Panel(
    name="controls.programme",
    template="controls/partials/_dashboard_panel.html",
    context=_programme,
    permission="controls.view_control",
    order=10,
))
