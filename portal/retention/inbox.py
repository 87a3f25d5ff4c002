"""Retention policies due for review, in their owner's task inbox (portal.core.inbox)."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.inbox import InboxItem, TaskSource, register
from portal.core.links import cached_reverse
from portal.retention.models import RetentionPolicy

HORIZON_DAYS = 30


def _policy_reviews(user, today, limit) -> list[InboxItem]:
    due = (RetentionPolicy.objects.filter(owner=user, next_review_due__isnull=False,
                                          next_review_due__lte=today + timedelta(days=HORIZON_DAYS))
           .order_by("next_review_due").only("id", "data_category", "system", "next_review_due")[:limit])
    return [InboxItem(title=_("Review the retention policy “%(policy)s”") % {"policy": policy.data_category},
                      url=cached_reverse("retention:policy_edit", args=[policy.pk]), due=policy.next_review_due,
                      kind=gettext_lazy("Retention policy review")) for policy in due]


register(TaskSource(name="retention.policy_reviews", items=_policy_reviews, models=("retention.RetentionPolicy",)))
