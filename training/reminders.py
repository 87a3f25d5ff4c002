"""Training reminders: the employee 14, 7 and 1 days before the due date and when it is 1 and 7 days past;
at 7 days overdue the manager is told too. The DPO's weekly digest is a task of its own (training.tasks)."""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.core.links import cached_reverse
from portal.notifications.registry import ReminderRule, Row, register
from training.models import OPEN_STATUSES, Assignment


def _open_assignments():
    return Assignment.objects.filter(status__in=OPEN_STATUSES, user__is_active=True)


def _title(assignment: Row, offset: int) -> str:
    days = abs(offset)
    if offset < 0:
        return ngettext("Training “%(course)s” is due in %(days)d day", "Training “%(course)s” is due in %(days)d days",
                        days) % {"course": assignment.course__title, "days": days}
    return ngettext("Training “%(course)s” of %(name)s is %(days)d day overdue",
                    "Training “%(course)s” of %(name)s is %(days)d days overdue",
                    days) % {"course": assignment.course__title, "days": days, "name": assignment.user__full_name}


TRAINING_DUE = register(ReminderRule(
    name="training.assignment_due",
    description=gettext_lazy("Training is due; overdue training is escalated to the employee's manager after a "
                             "week."),
    queryset=_open_assignments,
    date_field="due_date",
    offsets=(-14, -7, -1, 1, 7),
    fields=("course__title", "user_id", "user__full_name", "user__employee_profile__manager_id"),
    recipients=lambda assignment: [assignment.user_id],
    title=_title,
    escalate_to=lambda assignment: [assignment.user__employee_profile__manager_id],
    escalate_from=7,
    link=lambda assignment: cached_reverse("training:my_training"),
    calendar_filter=lambda user: Q(user=user),
    calendar_title=lambda assignment: _("Training due: %(course)s") % {"course": assignment.course__title},
))
