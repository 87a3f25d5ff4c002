"""What every incident service relies on: who may see, work on and decide a case, and the small steps each
write shares (locking the case, bumping its version, a line on its timeline).

Need-to-know: a case is seen by its assignees (a django-guardian object permission, granted here together with
the assignee list), and by whoever holds `incidents.view_all_incidents` (DPO, admin).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from incidents import timeline_text
from incidents.models import Incident, TimelineEntry

User = get_user_model()
VIEW_PERMISSION = "view_incident"


def can_see_all(user) -> bool:
    return user.has_perm("incidents.view_all_incidents")


def can_work(user, incident: Incident) -> bool:
    """Work on a case: the assignees holding the responder's rights, the DPO and admins."""
    if not user.has_perm("incidents.work_incident"):
        return False
    return can_see_all(user) or user.pk in (incident.assignee_ids or [])


def can_decide(user) -> bool:
    return user.has_perm("incidents.decide_incident")


def _require_work(actor, incident: Incident) -> None:
    if not can_work(actor, incident):
        raise PermissionDenied(_("You may not work on this case."))


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise ValidationError(_("This case is %(phase)s; it can no longer be changed.") % {
            "phase": incident.get_phase_display().lower()})


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _bump(locked: Incident, fields: list[str]) -> None:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _system_entry(incident: Incident, message: list[dict], actor=None) -> TimelineEntry:
    """A line by Annex: kept as a message for each reader's language, and as text in the deployment's."""
    return TimelineEntry.objects.create(incident=incident, kind=TimelineEntry.Kind.SYSTEM, message=message,
                                        text=timeline_text.render_default(message), author=actor)


def _audit_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _labels(objects: Iterable) -> list[str]:
    return sorted(str(o) for o in objects)


def _check_choices(name: str, values: Iterable[str], choices) -> list[str]:
    values = list(dict.fromkeys(values))
    bad = [v for v in values if v not in choices.values]
    if bad:
        raise ValidationError({name: _("Unknown value: %(v)s.") % {"v": ", ".join(bad)}})
    return values


# Any 64-bit number naming "the incident references"; PostgreSQL advisory locks are keyed by one.
REFERENCE_LOCK = 0x494E43_52454600


def _next_reference(year: int) -> str:
    """The year's next free reference. On PostgreSQL, cases opened at the same moment take their numbers one
    after the other: the lock lasts until the opening transaction ends (SQLite serialises writes itself).
    Without it, every waiting opener read the same maximum and all but one collided again, round after round."""
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REFERENCE_LOCK])
    prefix = f"INC-{year}-"
    last = Incident.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def assignable_users():
    """Who can be put on a case: active users who may work on cases."""
    return User.objects.filter(is_active=True, groups__permissions__codename="work_incident",
                               groups__permissions__content_type__app_label="incidents").distinct()


def _grant(incident: Incident, user) -> None:
    _grant_all(incident, [user])


def _grant_all(incident: Incident, people: list) -> None:
    """Assign these people to the case: their need-to-know grants in one insert (a new case assigned to every
    on-call responder), the assignee list in another."""
    if not people:
        return
    assign_perm(VIEW_PERMISSION, people, incident)
    incident.assignees.add(*people)
    new = [person.pk for person in people if person.pk not in incident.assignee_ids]
    incident.assignee_ids = [*incident.assignee_ids, *dict.fromkeys(new)]
