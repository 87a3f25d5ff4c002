"""Status automation: expired evidence or an overdue review puts a control on "needs attention", and
the control returns to the status it had once the reason is gone (new evidence, a review).

A status a person chose (an edit, a review outcome of "ineffective") is never undone here: only a move
this module made is reversed, which `Control.status_before_attention` records.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from controls.attention_text import EVIDENCE_EXPIRED, REVIEW_OVERDUE, SEPARATOR
from controls.audit_actions import ControlAction
from controls.models import Control, Evidence
from portal.audit.services import audit_record, masked_changes


@dataclass(frozen=True)
class StatusChange:
    control_id: int
    reference: str
    before: str
    after: str
    reason: str


@dataclass
class SweepReport:
    today: date
    checked: int = 0
    changes: list[StatusChange] = field(default_factory=list)


def _active_evidence(control: Control):
    return Evidence.objects.filter(control=control, removed_at__isnull=True)


def attention_reasons(control: Control, today: date | None = None) -> list[str]:
    """Why the control needs attention now; empty when nothing is wrong."""
    today = today or timezone.localdate()
    reasons = []
    if control.is_overdue(today):
        reasons.append(REVIEW_OVERDUE)
    evidence = _active_evidence(control)
    if evidence.exists() and not evidence.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today)).exists():
        reasons.append(EVIDENCE_EXPIRED)
    return reasons


def _record(control: Control, before: str, reason: str, actor) -> StatusChange:
    audit_record(
        action=ControlAction.CONTROL_STATUS_CHANGED, actor=actor, target=control,
        changes=masked_changes({"status": (before, control.status), "reason": (None, reason)}),
    )
    return StatusChange(control.pk, control.reference, before, control.status, reason)


@transaction.atomic
def control_refresh_status(
    *, control: Control, actor=None, today: date | None = None, dry_run: bool = False
) -> StatusChange | None:
    """Move the control to or from "needs attention" as its evidence and review dates require."""
    locked = Control.objects.select_for_update().get(pk=control.pk)
    if locked.status == Control.Status.RETIRED:
        return None
    reasons = attention_reasons(locked, today)
    before = locked.status
    if reasons and before != Control.Status.NEEDS_ATTENTION:
        reason = SEPARATOR.join(reasons)
        locked.status_before_attention = before
        locked.status = Control.Status.NEEDS_ATTENTION
    elif not reasons and before == Control.Status.NEEDS_ATTENTION and locked.status_before_attention:
        reason = "evidence and review are current again"
        locked.status = locked.status_before_attention
        locked.status_before_attention = ""
    else:
        return None
    if dry_run:
        return StatusChange(locked.pk, locked.reference, before, locked.status, reason)
    locked.attention_reason = SEPARATOR.join(reasons)[:200]
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "status_before_attention", "attention_reason", "version", "updated_at"])
    control.status, control.version = locked.status, locked.version
    return _record(locked, before, reason, actor)


def refresh_candidates(today: date) -> Q:
    """Controls whose status the sweep may have to change: cheap to select, checked one by one after."""
    active = Evidence.objects.filter(control=OuterRef("pk"), removed_at__isnull=True)
    current = active.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    all_expired = Exists(active) & ~Exists(current)
    overdue = Q(next_review_due__lt=today)
    flipped = Q(status=Control.Status.NEEDS_ATTENTION) & ~Q(status_before_attention="")
    return ~Q(status=Control.Status.RETIRED) & (overdue | all_expired | flipped)


def controls_refresh_status(*, today: date | None = None, dry_run: bool = False) -> SweepReport:
    """The daily sweep: refresh every control that may need it, one short transaction each."""
    today = today or timezone.localdate()
    report = SweepReport(today=today)
    ids = list(Control.objects.filter(refresh_candidates(today)).order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        report.checked += 1
        change = control_refresh_status(control=Control(pk=pk), today=today, dry_run=dry_run)
        if change is not None:
            report.changes.append(change)
    return report
