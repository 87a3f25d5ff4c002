"""Retention on the home page's posture (portal.core.dashboard): policy reviews due and the last retention run
(two queries)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from portal.core.dashboard import Card, CardData, Figure, Finding, register, shown_date
from portal.retention.models import RetentionPolicy, RetentionRun

SOON_DAYS = 30


def _posture(today) -> CardData:
    counts = RetentionPolicy.objects.aggregate(
        overdue=Count("pk", filter=Q(next_review_due__lt=today)),
        due_soon=Count("pk", filter=Q(next_review_due__gte=today,
                                      next_review_due__lte=today + timedelta(days=SOON_DAYS))),
    )
    last = RetentionRun.objects.exclude(status=RetentionRun.Status.RUNNING).order_by("-started_at", "-pk").only(
        "status", "started_at", "finished_at", "counts").first()
    policies = reverse("retention:policy_list")
    if last is None:
        note = _("No retention run yet.")
    else:
        note = format_lazy(_("Last retention run: {date}, {status}, {done} records deleted or anonymised."),
                           date=shown_date(timezone.localdate(last.finished_at or last.started_at)),
                           status=last.get_status_display(), done=last.total_done)
    return CardData(figures=[
        Figure(_("policy reviews overdue"), counts["overdue"], policies, "bad" if counts["overdue"] else ""),
        Figure(_("policy reviews due in 30 days"), counts["due_soon"], policies, "warn" if counts["due_soon"] else ""),
        Figure(_("days since the last retention run"),
               None if last is None else (today - timezone.localdate(last.started_at)).days, "",
               "bad" if last is None or last.status == RetentionRun.Status.FAILED else ""),
    ], note=note)


def _findings(today, limit) -> list[Finding]:
    overdue = (RetentionPolicy.objects.filter(next_review_due__lt=today).order_by("next_review_due")
               .only("key", "data_category", "next_review_due")[:limit])
    return [Finding(policy.key, policy.data_category, gettext_now("review overdue since %(date)s")
                    % {"date": shown_date(policy.next_review_due)}) for policy in overdue]


register(Card(name="retention.posture", title=_("Retention"), compute=_posture,
              permission="retention.view_retentionpolicy", order=35, findings=_findings))
