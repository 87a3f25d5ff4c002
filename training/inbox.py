"""The employee's own training in the task inbox (portal.core.inbox)."""


from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.inbox import InboxItem, TaskSource, register
from portal.core.links import cached_reverse
from training.models import OPEN_STATUSES, Assignment


def _assignments(user, today, limit) -> list[InboxItem]:
    open_ = (Assignment.objects.filter(user=user, status__in=OPEN_STATUSES).select_related("course")
             .order_by("due_date").only("id", "due_date", "course__title")[:limit])
    return [InboxItem(title=_("Complete the course “%(title)s”") % {"title": a.course.title},
                      url=cached_reverse("training:assignment", args=[a.pk]), due=a.due_date,
                      kind=gettext_lazy("Training")) for a in open_]


register(TaskSource(name="training.assignments", items=_assignments,
                    models=("training.Assignment", "training.Course")))
