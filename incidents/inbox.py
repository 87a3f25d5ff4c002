"""What incident work is waiting for a user, in their task inbox (portal.core.inbox): the notification duties of
the cases they are assigned to, the case tasks they own, and the follow-up tasks on the controls they own.

A task's owner need not be on its case (a follow-up goes to the control's owner), so an item leads to the case only
when the user may open it; otherwise to the control the task is on.
"""

from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import Obligation, Task
from incidents.selectors import case_granted, may_open_case
from portal.core.inbox import InboxItem, TaskSource, register
from portal.core.links import cached_reverse

TASK_COLUMNS = ("id", "title", "due_on", "incident_id", "incident__reference", "control_id", "control__reference")


def _obligations(user, today, limit) -> list[InboxItem]:
    due = (Obligation.objects.filter(incident__assignees=user, status=Obligation.Status.OPEN,
                                     deadline_at__isnull=False)
           .select_related("incident").order_by("deadline_at")
           .only("id", "title", "recipient_label", "deadline_at", "incident__id", "incident__title")[:limit])
    return [InboxItem(title=_("%(duty)s to %(recipient)s: %(case)s")
                      % {"duty": _(o.title), "recipient": _(o.recipient_label), "case": o.incident.title},
                      url=cached_reverse("incidents:detail", args=[o.incident.pk]),
                      due=timezone.localdate(o.deadline_at), kind=gettext_lazy("Breach notification"))
            for o in due]


def _open_tasks():
    return (Task.objects.filter(done_at__isnull=True).select_related("incident", "control")
            .order_by(F("due_on").asc(nulls_last=True), "pk").only(*TASK_COLUMNS))


def _task_url(user, task: Task) -> str:
    if may_open_case(user, granted=task.case_granted):
        return cached_reverse("incidents:detail", args=[task.incident_id])
    if task.control_id and user.has_perm("controls.view_control"):
        return cached_reverse("controls:detail", args=[task.control_id])
    return ""  # the task is shown, but there is nothing the user may open


def _tasks(user, today, limit) -> list[InboxItem]:
    """In one query: the open case tasks the user owns, and the follow-ups on the controls the user owns (listed
    once, as a follow-up, when both)."""
    tasks = (_open_tasks().filter(Q(owner=user) | Q(control__owner=user))
             .annotate(case_granted=case_granted(user, "incident_id"), on_own_control=Q(control__owner=user))
             [:limit])
    return [_follow_up(t) if t.on_own_control else _case_task(user, t) for t in tasks]


def _case_task(user, task: Task) -> InboxItem:
    return InboxItem(title=_("%(task)s (case %(case)s)") % {"task": task.title, "case": task.incident.reference},
                     url=_task_url(user, task), due=task.due_on, kind=gettext_lazy("Case task"))


def _follow_up(task: Task) -> InboxItem:
    return InboxItem(title=_("Follow up on %(reference)s: %(task)s")
                     % {"reference": task.control.reference, "task": task.title},
                     url=cached_reverse("controls:detail", args=[task.control_id]), due=task.due_on,
                     kind=gettext_lazy("Follow-up task"))


register(TaskSource(name="incidents.obligations", items=_obligations, permission="incidents.view_incident",
                    models=("incidents.Obligation", "incidents.Incident")))
register(TaskSource(name="incidents.tasks", items=_tasks,
                    models=("incidents.Task", "incidents.Incident", "incidents.IncidentUserObjectPermission",
                            "controls.Control")))
