"""The severity assessment of a case (the ENISA method, incidents.assessment) and the DPO's decision on it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidents import assessment as enisa
from incidents.audit_actions import IncidentAction
from incidents.models import Art34Exemption, Assessment, Incident
from incidents.rules import _bump, _locked, _require_open, _require_work, _system_entry, can_decide
from incidents.services_obligations import obligations_generate
from incidents.timeline_text import label, sentence
from portal.audit.services import audit_record


@transaction.atomic
def assessment_record(*, incident: Incident, actor, inputs: dict) -> Assessment:
    """Score the breach by the ENISA method; a new assessment replaces the earlier one and its decision."""
    locked = _locked(incident)
    _require_work(actor, locked)
    _require_open(locked)
    try:
        result = enisa.assess(inputs)
    except enisa.AssessmentInputError as exc:
        raise ValidationError({exc.field: exc.message}) from exc
    values = {
        "inputs": enisa.validate(inputs), "score": result.score, "band": result.band,
        "recommend_notify_authority": result.notify_supervisory_authority,
        "recommend_communicate_subjects": result.communicate_to_data_subjects, "reasons": result.reasons,
        "assessed_by": actor, "assessed_at": timezone.now(), "decision_notify_authority": None,
        "decision_communicate_subjects": None, "art34_exemption": "", "override_justification": "",
        "decided_by": None, "decided_at": None,
    }
    found, _created = Assessment.objects.update_or_create(incident=locked, defaults=values)
    if inputs.get("subjects") and locked.approx_subjects is None:
        locked.approx_subjects = inputs["subjects"]
        _bump(locked, ["approx_subjects"])
    audit_record(action=IncidentAction.ASSESSED, actor=actor, target=locked, changes={
        "score": float(result.score), "band": result.band, "notify": result.notify_supervisory_authority,
        "communicate": result.communicate_to_data_subjects})
    _system_entry(locked, [sentence(gettext_noop("Assessed: ENISA score %(s)s (%(b)s)."), s=str(float(result.score)),
                                    b=label(enisa.BAND_LABELS[result.band]))], actor)
    obligations_generate(incident=locked, actor=actor)
    return found


@transaction.atomic
def assessment_decide(*, incident: Incident, actor, notify_authority: bool, communicate_subjects: bool,
                      art34_exemption: str = "", justification: str = "") -> Assessment:
    """The DPO's decision on notification; departing from the recommendation needs a justification."""
    if not can_decide(actor):
        raise PermissionDenied(_("Only the DPO records the notification decision."))
    locked_incident = _locked(incident)
    _require_open(locked_incident)
    assessment = Assessment.objects.select_for_update().filter(incident=locked_incident).first()
    if assessment is None:
        raise ValidationError(_("Assess the breach first."))
    exemption = Art34Exemption(art34_exemption)
    if communicate_subjects and exemption:
        raise ValidationError({"art34_exemption": _("An Art. 34(3) exemption means the data subjects are not "
                                                    "told; choose one or the other.")})
    overrides = (notify_authority != assessment.recommend_notify_authority
                 or communicate_subjects != assessment.recommend_communicate_subjects)
    justification = justification.strip()
    if overrides and not justification:
        raise ValidationError({"justification": _("The decision departs from the recommendation: justify it.")})
    if not communicate_subjects and not exemption and assessment.band in enisa.HIGH_BANDS:
        # High risk left untold rests on the exemption the assessment found, which the decision records.
        if assessment.inputs.get("encrypted_unintelligible"):
            exemption = Art34Exemption.UNINTELLIGIBLE
        elif assessment.inputs.get("subsequent_measures"):
            exemption = Art34Exemption.MEASURES
    assessment.decision_notify_authority = notify_authority
    assessment.decision_communicate_subjects = communicate_subjects
    assessment.art34_exemption, assessment.override_justification = exemption.value, justification
    assessment.decided_by, assessment.decided_at = actor, timezone.now()
    assessment.save(update_fields=["decision_notify_authority", "decision_communicate_subjects", "art34_exemption",
                                   "override_justification", "decided_by", "decided_at"])
    audit_record(action=IncidentAction.DECIDED, actor=actor, target=locked_incident, changes={
        "notify_authority": notify_authority, "communicate_subjects": communicate_subjects,
        "art34_exemption": exemption.value, "overrides_recommendation": overrides, "justification": justification})
    _system_entry(locked_incident, [sentence(
        gettext_noop("Decision: notify the authority: %(n)s; tell the data subjects: %(c)s."),
        n=label(gettext_noop("yes") if notify_authority else gettext_noop("no")),
        c=label(gettext_noop("yes") if communicate_subjects else gettext_noop("no")))], actor)
    obligations_generate(incident=locked_incident, actor=actor)
    return assessment
