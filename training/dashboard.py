"""The employee's own training on the dashboard (one query)."""

from django.utils import timezone

from portal.core.dashboard import Panel, register
from training.models import OPEN_STATUSES, Assignment


def _my_training(user) -> dict:
    today = timezone.localdate()
    due = list(Assignment.objects.filter(user=user, status__in=OPEN_STATUSES).select_related("course")
               .order_by("due_date")[:5])
    return {"training_due": due, "today": today}


register(Panel(name="training.mine", template="training/partials/_dashboard_panel.html", context=_my_training,
               order=15))
