"""Only the truth: which measures a TOM annex may state as implemented, which it lists as planned, and which
block publishing until the DPO decides.

The rule (issue 15; DESIGN.md "the annex states only what is in place, planned measures apart"):
- stated: implemented or verified, with at least one evidence item in date (not removed, not expired);
- planned: listed apart with its target date, or left out, as the customer's annex terms say;
- blocked: needs attention, or implemented/verified without evidence in date. The DPO decides: fix it,
  move it to planned, or state it with a recorded justification (an AttentionDecision on the control as it
  is now; any later change of the control asks again);
- retired: never in an annex, whatever a customer's inclusion says (selectors.applicable_controls_q).

Every function here reads a fixed number of queries, whatever the number of controls.
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from controls.annex_changes import stated_items
from controls.attention_text import reason_text
from controls.models import Control, Evidence
from controls.models_annex import AttentionDecision

STATED_STATUSES = (Control.Status.IMPLEMENTED, Control.Status.VERIFIED)


class Standing(StrEnum):
    STATED = "stated"
    PLANNED = "planned"
    BLOCKED = "blocked"
    RETIRED = "retired"


@dataclass(frozen=True)
class Facts:
    """What the rule needs to know beyond the control row itself."""

    evidenced: frozenset[int]  # ids of controls with evidence in date
    decided: dict[int, AttentionDecision]  # standing decisions by control id


def evidence_in_date_q(today: date) -> Q:
    return Q(removed_at__isnull=True) & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def facts_for(control_ids=None, today: date | None = None) -> Facts:
    """Two queries: the controls with evidence in date, and the decisions that still stand."""
    today = today or timezone.localdate()
    evidence = Evidence.objects.filter(evidence_in_date_q(today))
    decisions = AttentionDecision.objects.select_related("decided_by").order_by("control_id", "-decided_at", "-pk")
    if control_ids is not None:
        evidence = evidence.filter(control_id__in=control_ids)
        decisions = decisions.filter(control_id__in=control_ids)
    evidenced = frozenset(evidence.order_by().values_list("control_id", flat=True).distinct())
    decided: dict[int, AttentionDecision] = {}
    for decision in decisions.filter(control_version=F("control__version")):
        decided.setdefault(decision.control_id, decision)
    return Facts(evidenced=evidenced, decided=decided)


def standing(control: Control, facts: Facts) -> Standing:
    """Where the control goes in an annex (it needs `status`, `pk`)."""
    if control.status == Control.Status.RETIRED:
        return Standing.RETIRED
    if control.status == Control.Status.PLANNED:
        return Standing.PLANNED
    if control.status in STATED_STATUSES and control.pk in facts.evidenced:
        return Standing.STATED
    if control.pk in facts.decided:
        return Standing.STATED
    return Standing.BLOCKED


def blocking_reason(control: Control, facts: Facts) -> str:
    """Why a blocked control cannot be stated as implemented, in the active language."""
    if control.status == Control.Status.NEEDS_ATTENTION:
        if control.attention_reason:
            return gettext("Needs attention: %(reason)s") % {"reason": reason_text(control.attention_reason)}
        return gettext("Needs attention")
    return gettext("No evidence in date")


@dataclass(frozen=True)
class Blocker:
    control: Control
    reason: str


def blockers(controls, facts: Facts) -> list[Blocker]:
    return [Blocker(c, blocking_reason(c, facts)) for c in controls if standing(c, facts) == Standing.BLOCKED]


# A published version never changes (portal.exports.models.AnnexVersion), so the measures it states are kept by
# its snapshot's digest: the posture card then reads and decodes only the snapshots published since, not every
# annex's whole content each minute (a third of the card's time at 50 annexes of 500 measures).
STATED_CACHE_SECONDS = 24 * 3600


def _stated_references(versions: list[tuple]) -> dict[str, list[str]]:
    """{snapshot digest: the references that version states}, for rows of (pk, snapshot_sha256, ...)."""
    from portal.exports.models import AnnexVersion

    keys = {sha: f"controls:annex-stated:{sha}" for _pk, sha, *_rest in versions}
    kept = cache.get_many(keys.values())
    found = {sha: kept[key] for sha, key in keys.items() if key in kept}
    missing = [pk for pk, sha, *_rest in versions if sha not in found]
    if missing:
        read = {sha: sorted(stated_items(snapshot or {})) for sha, snapshot in
                AnnexVersion.objects.filter(pk__in=missing).values_list("snapshot_sha256", "snapshot")}
        cache.set_many({keys[sha]: references for sha, references in read.items()}, STATED_CACHE_SECONDS)
        found.update(read)
    return found


def overstating_annexes() -> list[dict]:
    """Each latest published TOM annex that states as implemented what no longer is, by the rule above: its
    label, page and those references (the DPO's posture card).

    Four queries: the latest version of each annex, the controls they name, their evidence and decisions; and a
    fifth for the snapshots of versions whose stated measures are not kept yet."""
    from django.db.models import OuterRef, Subquery
    from django.urls import reverse

    from controls.exports_annex import TOM_ANNEX
    from portal.exports.models import AnnexVersion
    from portal.exports.selectors import subject_to_url

    newest = (AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=OuterRef("subject_key"))
              .order_by("-number").values("number")[:1])
    versions = list(AnnexVersion.objects.filter(kind=TOM_ANNEX, number=Subquery(newest))
                    .order_by("subject_label").values_list("pk", "snapshot_sha256", "subject_key", "subject_label",
                                                           "number"))
    if not versions:
        return []
    stated = _stated_references(versions)
    references = {ref for items in stated.values() for ref in items}
    controls = {c.reference: c for c in Control.objects.filter(reference__in=references).only(
        "reference", "status", "version")}
    facts = facts_for([c.pk for c in controls.values()])
    rows = []
    for _pk, sha, subject_key, label, number in versions:
        missing = [ref for ref in stated[sha]
                   if ref not in controls or standing(controls[ref], facts) != Standing.STATED]
        if missing:
            rows.append({"subject_key": subject_key, "label": f"{label} (v{number})", "references": missing,
                         "url": reverse("exports:annex_detail", args=[TOM_ANNEX, subject_to_url(subject_key)])})
    return rows
