"""The open follow-up tasks of incident cases on a control, for the control's page (controls.follow_ups)."""

from django.db.models import F

from controls.follow_ups import FollowUp
from incidents.models import Task
from incidents.selectors import case_granted, may_open_case
from portal.core.links import cached_reverse


def open_follow_ups(control, user) -> list[FollowUp]:
    """One query; the case is linked only for a reader who may open it (need-to-know)."""
    tasks = (Task.objects.filter(control=control, done_at__isnull=True).select_related("incident", "owner")
             .annotate(case_granted=case_granted(user, "incident_id"))
             .only("id", "title", "due_on", "incident_id", "incident__reference", "owner__full_name",
                   "owner__email")
             .order_by(F("due_on").asc(nulls_last=True), "pk"))
    return [FollowUp(title=task.title, owner=str(task.owner) if task.owner else "", due=task.due_on,
                     origin=task.incident.reference,
                     url=cached_reverse("incidents:detail", args=[task.incident_id])
                     if may_open_case(user, granted=task.case_granted) else "")
            for task in tasks]
