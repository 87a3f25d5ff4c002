"""Evidence for the awareness-training controls: the live completion rate on their page, and a monthly
snapshot attached to them as evidence (once per month, however often the task runs)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from controls.models import Control, Evidence
from portal.audit.services import audit_record
from training.audit_actions import TrainingAction
from training.models import EvidenceSnapshot

AWARENESS_CONTROL = "TOM-AWR-01"
AWARENESS_TAG = "awareness"


def _is_awareness(control) -> bool:
    return control.reference == AWARENESS_CONTROL or AWARENESS_TAG in (getattr(control, "tags", None) or [])


def live_completion_fact(control) -> list[tuple[str, str, str]]:
    """The organisation's completion rate now, shown on the awareness controls' pages."""
    if not _is_awareness(control):
        return []
    from django.urls import reverse

    from training.selectors import completion_overall, rate_text

    overall = completion_overall()
    value = "—" if overall["rate"] is None else _("%(rate)s %% (%(done)s of %(people)s; %(overdue)s overdue)") % {
        "rate": rate_text(overall["rate"]), "done": overall["completed"], "people": overall["people"],
        "overdue": overall["overdue"]}
    return [(_("Training completion"), value, reverse("training:report"))]


def evidence_snapshot_monthly(*, today: date | None = None) -> EvidenceSnapshot | None:
    """Write this month's snapshot and attach it to the awareness control; None when the month has one already."""
    from training.selectors import completion_overall, rate_text

    today = today or timezone.localdate()
    month = today.replace(day=1)
    if EvidenceSnapshot.objects.filter(month=month).exists():
        return None
    overall = completion_overall(today)
    try:
        with transaction.atomic():
            snapshot = EvidenceSnapshot.objects.create(
                month=month, completion_percent=overall["rate"] or 0, completed=overall["completed"],
                total=overall["people"])
            control = Control.objects.filter(reference=AWARENESS_CONTROL).first()
            if control is not None:
                text = _("Training completion on %(day)s: %(rate)s %% (%(done)s of %(people)s assignments of "
                         "active employees completed; %(overdue)s overdue).") % {
                    "day": formats.date_format(today, "DATE_FORMAT"), "rate": rate_text(overall["rate"] or 0),
                    "done": overall["completed"], "people": overall["people"], "overdue": overall["overdue"]}
                evidence = Evidence.objects.create(
                    control=control, kind=Evidence.Kind.NOTE, text=text, valid_from=today,
                    title=_("Training completion, %(month)s") % {
                        "month": formats.date_format(month, "YEAR_MONTH_FORMAT")})
                snapshot.evidence_id = evidence.pk
                snapshot.save(update_fields=["evidence_id"])
            audit_record(action=TrainingAction.EVIDENCE_SNAPSHOT, actor=None, target=control or snapshot,
                         changes={"month": month.isoformat(), "completion_percent": float(snapshot.completion_percent),
                                  "evidence": snapshot.evidence_id})
    except IntegrityError:
        return None  # another run wrote this month's snapshot at the same moment
    return snapshot
