"""The live clock of an obligation as a reader sees it: "due in 5 h 20 min", "overdue by 2 h", "no fixed deadline".

Used by the `clock` and `countdown` template tags, and by the board, which builds its rows' clocks in the view.
"""

from django.utils.translation import gettext as _

from incidents.clocks import describe_remaining


def _duration(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return _("%(m)s min") % {"m": mins}


def live_clock(obligation, now) -> dict:
    """{'state': due|overdue|none|filed|not_required|withdrawn|waiting, 'text': ..., 'urgent': bool}."""
    status = obligation.status
    if status == "filed":
        late = _(" (late)") if obligation.filed_late else _(" (on time)") if obligation.filed_late is False else ""
        return {"state": "filed", "text": _("filed") + late, "urgent": False}
    if status == "not_required":
        return {"state": "not_required", "text": _("not required"), "urgent": False}
    if status == "withdrawn":
        return {"state": "withdrawn", "text": _("no longer applies"), "urgent": False}
    if obligation.deadline_at is None:
        if obligation.clock_start is None and obligation.clock_start_kind == "filing":
            return {"state": "waiting", "text": _("starts when the notification it follows is filed"),
                    "urgent": False}
        return {"state": "none", "text": _("no fixed deadline (without undue delay)"), "urgent": False}
    state, minutes = describe_remaining(obligation.deadline_at, now)
    if state == "overdue":
        return {"state": "overdue", "text": _("overdue by %(d)s") % {"d": _duration(minutes)}, "urgent": True}
    fraction = obligation.elapsed_fraction(now)
    return {"state": "due", "text": _("due in %(d)s") % {"d": _duration(minutes)},
            "urgent": fraction is not None and fraction >= 0.75}


def countdown(deadline, now) -> dict:
    """A case's nearest deadline: {'state': due|overdue|none, 'text': 'due in 5 h 20 min', 'urgent': bool};
    urgent when overdue or due within a day."""
    state, minutes = describe_remaining(deadline, now)
    if state == "overdue":
        return {"state": state, "text": _("overdue by %(d)s") % {"d": _duration(minutes)}, "urgent": True}
    if state == "due":
        return {"state": state, "text": _("due in %(d)s") % {"d": _duration(minutes)}, "urgent": minutes < 24 * 60}
    return {"state": "none", "text": _("no running clock"), "urgent": False}
