"""The open follow-up tasks of incident cases on a control, for the control's page (controls.follow_ups)."""

from django.db.models import F

from controls.follow_ups import FollowUp
from incidents.models import IncidentUserObjectPermission, Task
from incidents.selectors import may_open_case
from incidents.services import VIEW_PERMISSION, can_see_all
from portal.core.links import cached_reverse
from portal.core.prepared import PreparedQuery

# Read on every control page, so prepared like the page's own reads (controls/selectors.py).
_open_tasks_read = PreparedQuery(
    lambda control_id: Task.objects.filter(control_id=control_id, done_at__isnull=True)
    .select_related("incident", "owner")
    .only("id", "title", "due_on", "incident_id", "incident__reference", "owner__full_name", "owner__email")
    .order_by(F("due_on").asc(nulls_last=True), "pk"),
    int,
)


def _granted_cases(user, case_ids: set[int]) -> set[int]:
    """Of these cases, those the user holds the need-to-know grant on (one query)."""
    return set(IncidentUserObjectPermission.objects.filter(
        content_object_id__in=case_ids, user=user, permission__codename=VIEW_PERMISSION,
        permission__content_type__app_label="incidents").values_list("content_object_id", flat=True))


def open_follow_ups(control, user) -> list[FollowUp]:
    """One query, and a second for the reader's grants when there are tasks and the reader may not see every case;
    the case is linked only for a reader who may open it (need-to-know). Most controls have no follow-up."""
    tasks = _open_tasks_read(control.pk)
    if not tasks:
        return []
    granted = set() if can_see_all(user) else _granted_cases(user, {task.incident_id for task in tasks})
    return [FollowUp(title=task.title, owner=str(task.owner) if task.owner else "", due=task.due_on,
                     origin=task.incident.reference,
                     url=cached_reverse("incidents:detail", args=[task.incident_id])
                     if may_open_case(user, granted=task.incident_id in granted) else "")
            for task in tasks]
