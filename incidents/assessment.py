"""The ENISA severity assessment (SE = DPC x EI + CB) and the notification recommendation that follows.

Pure functions: the web form, the case services and `manage.py assess_breach` all call `assess()`.
Scores and bands follow ENISA's 2013 working document as recorded in incidents/reference/enisa-breach-severity.json:
DPC is the category's basic score adjusted in whole steps and kept within 1-4, EI is 0.25-1, CB adds up the
points of each circumstance, and a boundary value falls into the higher band.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DATA_CATEGORIES = {"simple": 1, "behavioural": 2, "financial": 3, "sensitive": 4}
EASE_OF_IDENTIFICATION = {"negligible": Decimal("0.25"), "limited": Decimal("0.5"), "significant": Decimal("0.75"),
                          "maximum": Decimal("1")}
CONFIDENTIALITY = {"none": Decimal("0"), "known_recipients": Decimal("0.25"), "unknown_recipients": Decimal("0.5")}
INTEGRITY = {"none": Decimal("0"), "altered_recoverable": Decimal("0.25"), "altered_unrecoverable": Decimal("0.5")}
AVAILABILITY = {"none": Decimal("0"), "temporary": Decimal("0.25"), "permanent": Decimal("0.5")}
MALICIOUS_POINTS = Decimal("0.5")
ADJUSTMENT_RANGE = range(-3, 4)
# (lower bound inclusive, band); a score on a boundary belongs to the higher band.
BANDS = ((Decimal("4"), "very_high"), (Decimal("3"), "high"), (Decimal("2"), "medium"), (Decimal("-1"), "low"))
HIGH_BANDS = ("high", "very_high")
BAND_LABELS = {"very_high": gettext_lazy("very high"), "high": gettext_lazy("high"), "medium": gettext_lazy("medium"),
               "low": gettext_lazy("low")}
# ENISA names the number of individuals as a criterion outside the formula; this is the threshold used to flag it.
MANY_SUBJECTS = 100

ENUM_FIELDS = {
    "data_category": DATA_CATEGORIES,
    "ease_of_identification": EASE_OF_IDENTIFICATION,
    "confidentiality": CONFIDENTIALITY,
    "integrity": INTEGRITY,
    "availability": AVAILABILITY,
}
BOOL_FIELDS = ("malicious", "encrypted_unintelligible", "subsequent_measures")
FIELDS = ("data_category", "context_adjustment", "ease_of_identification", "confidentiality", "integrity",
          "availability", "malicious", "encrypted_unintelligible", "subsequent_measures", "subjects")


class AssessmentInputError(ValueError):
    """The input is not a valid assessment; `field` names the first field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Result:
    score: Decimal
    band: str
    dpc: int
    notify_supervisory_authority: bool
    communicate_to_data_subjects: bool
    reasons: list[str]

    def as_json(self) -> dict:
        return {
            "score": float(self.score),
            "band": self.band,
            "notify_supervisory_authority": self.notify_supervisory_authority,
            "communicate_to_data_subjects": self.communicate_to_data_subjects,
            "reasons": self.reasons,
        }


def validate(data) -> dict:
    """Check one input object; returns it with only the known fields, or raises AssessmentInputError."""
    if not isinstance(data, dict):
        raise AssessmentInputError("input", "expected one JSON object")
    for name in FIELDS:
        if name not in data:
            raise AssessmentInputError(name, "this field is required")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise AssessmentInputError(unknown[0], "unknown field")
    for name, allowed in ENUM_FIELDS.items():
        if not isinstance(data[name], str) or data[name] not in allowed:
            raise AssessmentInputError(name, f"use one of {'|'.join(allowed)}")
    adjustment = data["context_adjustment"]
    if isinstance(adjustment, bool) or not isinstance(adjustment, int) or adjustment not in ADJUSTMENT_RANGE:
        raise AssessmentInputError("context_adjustment", "an integer from -3 to 3")
    for name in BOOL_FIELDS:
        if not isinstance(data[name], bool):
            raise AssessmentInputError(name, "true or false")
    subjects = data["subjects"]
    if isinstance(subjects, bool) or not isinstance(subjects, int) or subjects < 0:
        raise AssessmentInputError("subjects", "a whole number, 0 or more")
    return {name: data[name] for name in FIELDS}


def band_for(score: Decimal) -> str:
    for lower, band in BANDS:
        if score >= lower:
            return band
    return "low"


def assess(data) -> Result:
    """Score one breach and recommend whether to notify the authority and tell the data subjects."""
    data = validate(data)
    dpc = min(4, max(1, DATA_CATEGORIES[data["data_category"]] + data["context_adjustment"]))
    ei = EASE_OF_IDENTIFICATION[data["ease_of_identification"]]
    cb = (CONFIDENTIALITY[data["confidentiality"]] + INTEGRITY[data["integrity"]]
          + AVAILABILITY[data["availability"]] + (MALICIOUS_POINTS if data["malicious"] else Decimal("0")))
    score = Decimal(dpc) * ei + cb
    band = band_for(score)
    reasons = [_("ENISA severity %(score)s = DPC %(dpc)s x EI %(ei)s + CB %(cb)s: %(band)s.") % {
        "score": _fmt(score), "dpc": dpc, "ei": _fmt(ei), "cb": _fmt(cb), "band": BAND_LABELS[band]}]

    # Art. 33(1): the authority is notified unless the breach is unlikely to result in a risk.
    only_confidentiality = data["integrity"] == "none" and data["availability"] == "none"
    if data["subjects"] == 0:
        notify = False
        reasons.append(_("No data subject is concerned: the breach is unlikely to result in a risk (Art. 33(1))."))
    elif data["encrypted_unintelligible"] and only_confidentiality:
        notify = False
        reasons.append(_("The data were unintelligible to whoever obtained them and neither integrity nor "
                         "availability was lost: unlikely to result in a risk (Art. 33(1))."))
    elif band == "low":
        notify = False
        reasons.append(_("Low severity: the breach is unlikely to result in a risk to the rights and freedoms "
                         "of natural persons, so no notification to the authority (Art. 33(1)). Document it "
                         "(Art. 33(5))."))
    else:
        notify = True
        reasons.append(_("The breach is likely to result in a risk: notify the supervisory authority within 72 "
                         "hours of awareness (Art. 33(1))."))

    # Art. 34(1): tell the data subjects on high risk, unless an Art. 34(3) exemption applies.
    high_risk = band in HIGH_BANDS and data["subjects"] > 0
    communicate = False
    if not high_risk:
        reasons.append(_("No high risk: no communication to the data subjects is required (Art. 34(1))."))
    elif data["encrypted_unintelligible"]:
        reasons.append(_("High risk, but the data were unintelligible to anyone not authorised: no communication "
                         "required (Art. 34(3)(a))."))
    elif data["subsequent_measures"]:
        reasons.append(_("High risk, but subsequent measures ensure it is no longer likely to materialise: no "
                         "communication required (Art. 34(3)(b))."))
    else:
        communicate = True
        reasons.append(_("High risk to the rights and freedoms of natural persons: communicate the breach to the "
                         "data subjects without undue delay (Art. 34(1)); if that would involve disproportionate "
                         "effort, a public communication instead (Art. 34(3)(c))."))
    if data["subjects"] > MANY_SUBJECTS:
        reasons.append(_("More than %(n)s data subjects are concerned, a criterion ENISA names outside the "
                         "formula: weigh it in the decision.") % {"n": MANY_SUBJECTS})
    return Result(score=score, band=band, dpc=dpc, notify_supervisory_authority=notify,
                  communicate_to_data_subjects=communicate, reasons=reasons)


def _fmt(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"
