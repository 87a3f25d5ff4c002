"""Deadline reminders and escalations for notification obligations, as critical rules (never muted).

At 50 %, 75 % and 90 % of the time allowed the case's assignees are told; from 90 % and once the deadline has
passed ("overdue", step 100) the DPO is told as well. Each step is sent once per obligation and deadline: the
notification key holds the deadline and the step, and a sweep that catches up after an outage sends only the
latest step. An obligation without a fixed deadline is never reminded about nor overdue.
"""

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.models import OPEN_PHASES, Obligation
from portal.accounts.roles import Role
from portal.core.links import cached_reverser
from portal.notifications.registry import ReminderRule, Row, register

STEPS = (50, 75, 90, 100)
OVERDUE = 100
ESCALATE_FROM = 90


def _open_obligations():
    return Obligation.objects.filter(status=Obligation.Status.OPEN, deadline_at__isnull=False,
                                     clock_start__isnull=False, incident__phase__in=OPEN_PHASES)


def due_step(row: Row, now: datetime) -> int | None:
    """The latest step reached now: 50, 75, 90 (% of the time allowed), 100 (overdue), or None."""
    total = (row.deadline_at - row.clock_start).total_seconds()
    if now >= row.deadline_at:
        return OVERDUE
    if total <= 0:
        return None
    elapsed = (now - row.clock_start).total_seconds() / total * 100
    reached = [step for step in STEPS[:-1] if elapsed >= step]
    return reached[-1] if reached else None


def _title(row: Row, step: int) -> str:
    prefix = _("[EXERCISE] ") if row.is_exercise else ""
    if step == OVERDUE:
        text = _("OVERDUE: %(title)s to %(to)s for %(ref)s was due %(when)s")
    else:
        text = _("%(step)s %% of the time used: %(title)s to %(to)s for %(ref)s is due %(when)s")
    return prefix + text % {"step": step, "title": _(row.title), "to": _(row.recipient_label),
                            "ref": row.incident__reference,
                            "when": formats.date_format(timezone.localtime(row.deadline_at), "DATETIME_FORMAT")}


DEADLINE = register(ReminderRule(
    name="incidents.obligation_deadline",
    description=gettext_lazy("A breach notification deadline is running out or has passed."),
    queryset=_open_obligations,
    date_field="deadline_at",
    offsets=STEPS,
    fields=("clock_start", "title", "recipient_label", "is_exercise", "incident_id", "incident__reference",
            "incident__assignee_ids"),
    recipients=lambda row: list(row.incident__assignee_ids or []),
    escalate_to=lambda row: [Role.DPO],
    escalate_from=ESCALATE_FROM,
    critical=True,
    title=_title,
    link=lambda row: cached_reverser("incidents:detail")(row.incident_id),
    due_step=due_step,
))
