"""Published TOM annexes that state more than the register holds.

An annex states only what is in place (DESIGN.md). The latest published version of a customer's annex overstates
the register when it lists a measure whose control has since been set back to planned, retired or removed: the
customer reads a promise the processor no longer keeps, until a new version is published.
"""

from django.db.models import OuterRef, Subquery
from django.urls import reverse

from controls.exports import TOM_ANNEX
from controls.models import Control
from portal.exports.models import AnnexVersion
from portal.exports.selectors import subject_to_url

NOT_IN_PLACE = (Control.Status.PLANNED, Control.Status.RETIRED)


def _references(snapshot: dict) -> list[str]:
    return [item["reference"] for section in snapshot.get("sections", []) for item in section.get("items", [])]


def overstating_annexes() -> list[dict]:
    """Each latest published annex that lists measures not in place: its label, page and those references.

    Two queries: the latest version of each annex, and the references of the controls in place."""
    newest = (AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=OuterRef("subject_key"))
              .order_by("-number").values("number")[:1])
    versions = (AnnexVersion.objects.filter(kind=TOM_ANNEX, number=Subquery(newest))
                .order_by("subject_label").values_list("subject_key", "subject_label", "number", "snapshot"))
    rows = []
    in_place = None
    for subject_key, label, number, snapshot in versions:
        if in_place is None:
            in_place = set(Control.objects.exclude(status__in=NOT_IN_PLACE).values_list("reference", flat=True))
        missing = sorted(ref for ref in _references(snapshot or {}) if ref not in in_place)
        if missing:
            rows.append({"subject_key": subject_key, "label": f"{label} (v{number})", "references": missing,
                         "url": reverse("exports:annex_detail", args=[TOM_ANNEX, subject_to_url(subject_key)])})
    return rows
