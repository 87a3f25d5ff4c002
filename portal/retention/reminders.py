"""Reminders for retention policy reviews: the owner 30 and 7 days before the review date and 1 day after;
a review still missing a week later also reaches every DPO."""

from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy, ngettext

from portal.accounts.roles import Role
from portal.core.links import cached_reverse
from portal.notifications.registry import ReminderRule, Row, register
from portal.retention.models import RetentionPolicy


def _title(policy: Row, offset: int) -> str:
    days = abs(offset)
    if offset < 0:
        return ngettext("Review of the retention policy “%(policy)s” is due in %(days)s day",
                        "Review of the retention policy “%(policy)s” is due in %(days)s days", days) % {
            "policy": policy.data_category, "days": days}
    return ngettext("Review of the retention policy “%(policy)s” is %(days)s day overdue",
                    "Review of the retention policy “%(policy)s” is %(days)s days overdue", days) % {
        "policy": policy.data_category, "days": days}


POLICY_REVIEW_DUE = register(ReminderRule(
    name="retention.policy_review_due",
    description=gettext_lazy("A retention policy is due for review."),
    queryset=lambda: RetentionPolicy.objects.filter(next_review_due__isnull=False),
    date_field="next_review_due",
    offsets=(-30, -7, 1, 7),
    fields=("data_category", "owner_id"),
    recipients=lambda policy: [policy.owner_id or Role.DPO],
    title=_title,
    escalate_to=lambda policy: [Role.DPO],
    escalate_from=7,
    link=lambda policy: cached_reverse("retention:policy_list"),
    calendar_filter=lambda user: Q(owner=user),
    calendar_title=lambda policy: gettext("Retention policy review: %(policy)s") % {"policy": policy.data_category},
))
