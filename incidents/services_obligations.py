"""Notification obligations and their clocks: generated from the templates whenever the facts change, with
the template's terms frozen on the obligation; filing (which freezes lateness) and the DPO's "not required"."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, OuterRef, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidents import clocks
from incidents.audit_actions import IncidentAction
from incidents.models import (
    Assessment,
    ClockStart,
    Incident,
    Obligation,
    ObligationTemplate,
    Recipient,
    Severity,
    Trigger,
)
from incidents.rules import _locked, _system_entry, can_decide
from incidents.timeline_text import label, sentence
from portal.audit.services import audit_record

NIS2_SEVERITIES = (Severity.HIGH, Severity.CRITICAL)


def next_deadline_refresh(incident_ids) -> None:
    """Store each case's nearest open deadline (Incident.next_deadline_at), in the transaction that changed its
    obligations: every change of an obligation's status or deadline goes through this module."""
    nearest = (Obligation.objects.filter(incident=OuterRef("pk"), status=Obligation.Status.OPEN).order_by()
               .values("incident").annotate(nearest=Min("deadline_at")).values("nearest"))
    Incident.objects.filter(pk__in=incident_ids).update(next_deadline_at=Subquery(nearest))


def _applies(template: ObligationTemplate, incident: Incident, high_risk: bool) -> bool:
    if not incident.is_breach and template.trigger != Trigger.NIS2_SIGNIFICANT:
        return False
    if template.trigger == Trigger.CUSTOMER_AFFECTED:
        return True
    if template.trigger == Trigger.CONTROLLER_DATA:
        return incident.controller_data
    if template.trigger == Trigger.HIGH_RISK:
        return incident.controller_data and high_risk
    if template.trigger == Trigger.NIS2_SIGNIFICANT:
        return settings.ANNEX_NIS2_ENTITY and incident.severity in NIS2_SEVERITIES
    return False


def _wanted(incident: Incident) -> dict[str, tuple[ObligationTemplate, Any]]:
    """key -> (template, customer or None) for every obligation the facts call for now."""
    assessment = Assessment.objects.filter(incident=incident).first()
    high_risk = bool(assessment and assessment.high_risk)
    wanted = {}
    customers = list(incident.customers.order_by("name"))
    for template in ObligationTemplate.objects.filter(is_active=True):
        if not _applies(template, incident, high_risk):
            continue
        if template.recipient == Recipient.CUSTOMER:
            for customer in customers:
                wanted[f"{template.code}:{customer.pk}"] = (template, customer)
        else:
            wanted[template.code] = (template, None)
    return wanted


def _clock_start(incident: Incident, kind: str, after_code: str, filed: dict[str, datetime]) -> datetime | None:
    if kind == ClockStart.AWARE_AT:
        return incident.aware_at
    if kind == ClockStart.DETECTED_AT:
        return incident.detected_at
    return filed.get(after_code)


def _english(text) -> str:
    """A label as stored: in English, whoever's request writes it; pages show it through the catalogue."""
    with translation.override("en"):
        return str(text)


def _recipient(obligation: Obligation):
    """For a timeline line: the customer's name as written, or the recipient's label translated when shown."""
    return obligation.recipient_label if obligation.customer_id else label(Recipient(obligation.recipient).label)


def _recipient_label(template: ObligationTemplate, customer) -> str:
    if customer is not None:
        return customer.name
    return _english(Recipient(template.recipient).label)


def obligations_generate(*, incident: Incident, actor) -> dict[str, int]:
    """Bring the case's obligations in line with its facts (call inside the service's transaction).

    New duties are created with their template's terms copied; duties the facts no longer call for are
    withdrawn (never deleted); withdrawn ones that apply again reopen. Filed and decided ones stay as they are.
    """
    existing = {o.key: o for o in incident.obligations.select_related("template")}
    wanted = _wanted(incident)
    filed = {o.template.code: o.filed_at for o in existing.values() if o.filed_at}
    created, reopened = [], []
    for key, (template, customer) in wanted.items():
        obligation = existing.get(key)
        if obligation is None:
            hours = customer.breach_notice_hours if (customer is not None and template.use_customer_hours) else (
                template.hours)
            start = _clock_start(incident, template.clock_start, template.clock_after, filed)
            obligation = Obligation.objects.create(
                incident=incident, template=template, customer=customer, key=key, regime=template.regime,
                recipient=template.recipient, title=template.title,
                recipient_label=_recipient_label(template, customer), legal_reference=template.legal_reference,
                checklist=list(template.checklist), clock_start_kind=template.clock_start,
                clock_after=template.clock_after, hours=hours, months=template.months, clock_start=start,
                deadline_at=clocks.deadline_from(start, hours=hours, months=template.months),
                is_exercise=incident.is_exercise,
            )
            created.append(obligation)
        elif obligation.status == Obligation.Status.WITHDRAWN:
            obligation.status, obligation.rationale = Obligation.Status.OPEN, ""
            obligation.save(update_fields=["status", "rationale"])
            reopened.append(obligation)
    gone = [o for key, o in existing.items() if key not in wanted and o.status == Obligation.Status.OPEN]
    _withdraw(gone, gettext_noop("The facts of the case no longer call for it."))
    incident.obligations.exclude(is_exercise=incident.is_exercise).update(is_exercise=incident.is_exercise)
    if created or reopened:
        next_deadline_refresh([incident.pk])
    if created or reopened or gone:
        audit_record(action=IncidentAction.OBLIGATIONS_GENERATED, actor=actor, target=incident, changes={
            "created": [f"{o.title} ({o.recipient_label})" for o in created],
            "reopened": [f"{o.title} ({o.recipient_label})" for o in reopened],
            "withdrawn": [f"{o.title} ({o.recipient_label})" for o in gone],
        })
        lines = [sentence(gettext_noop("New obligation: %(t)s to %(r)s."), t=label(o.title), r=_recipient(o))
                 for o in [*created, *reopened]]
        lines += [sentence(gettext_noop("No longer required: %(t)s to %(r)s."), t=label(o.title), r=_recipient(o))
                  for o in gone]
        _system_entry(incident, lines, actor)
    return {"created": len(created), "reopened": len(reopened), "withdrawn": len(gone)}


def _withdraw(obligations, reason: str) -> None:
    cases = set()
    for obligation in obligations:
        obligation.status, obligation.rationale = Obligation.Status.WITHDRAWN, reason
        obligation.save(update_fields=["status", "rationale"])
        cases.add(obligation.incident_id)
    if cases:
        next_deadline_refresh(cases)


def _recompute_open_clocks(incident: Incident) -> None:
    """After "aware at" moved: open clocks follow it; filed ones keep the deadline they were judged by."""
    filed = {o.template.code: o.filed_at for o in incident.obligations.select_related("template") if o.filed_at}
    for obligation in incident.obligations.filter(status=Obligation.Status.OPEN):
        start = _clock_start(incident, obligation.clock_start_kind, obligation.clock_after, filed)
        obligation.clock_start = start
        obligation.deadline_at = clocks.deadline_from(start, hours=obligation.hours, months=obligation.months)
        obligation.save(update_fields=["clock_start", "deadline_at"])
    next_deadline_refresh([incident.pk])


def _start_dependent_clocks(incident: Incident, code: str, filed_at: datetime) -> None:
    started = False
    for obligation in incident.obligations.filter(status=Obligation.Status.OPEN, clock_after=code,
                                                  clock_start__isnull=True):
        obligation.clock_start = filed_at
        obligation.deadline_at = clocks.deadline_from(filed_at, hours=obligation.hours, months=obligation.months)
        obligation.save(update_fields=["clock_start", "deadline_at"])
        started = True
    if started:
        next_deadline_refresh([incident.pk])


@transaction.atomic
def obligation_mark_not_required(*, obligation: Obligation, actor, rationale: str) -> Obligation:
    """The DPO decides a duty does not apply here, and says why."""
    if not can_decide(actor):
        raise PermissionDenied(_("Only the DPO decides that a notification is not required."))
    locked_incident = _locked(obligation.incident)
    locked = Obligation.objects.select_for_update().get(pk=obligation.pk)
    if locked.status != Obligation.Status.OPEN:
        raise ValidationError(_("This obligation is already %(status)s.") % {
            "status": locked.get_status_display().lower()})
    rationale = rationale.strip()
    if len(rationale) < 10:
        raise ValidationError({"rationale": _("Give the DPO's rationale (at least a sentence).")})
    locked.status, locked.rationale = Obligation.Status.NOT_REQUIRED, rationale
    locked.decided_by, locked.decided_at = actor, timezone.now()
    locked.save(update_fields=["status", "rationale", "decided_by", "decided_at"])
    next_deadline_refresh([locked.incident_id])
    _system_entry(locked_incident, [sentence(gettext_noop("Not required: %(t)s to %(r)s. %(why)s"),
                                             t=label(locked.title), r=_recipient(locked), why=rationale)], actor)
    audit_record(action=IncidentAction.OBLIGATION_NOT_REQUIRED, actor=actor, target=locked_incident, changes={
        "obligation": f"{locked.title} ({locked.recipient_label})", "rationale": rationale})
    return locked


def _file(obligation: Obligation, actor, when: datetime) -> None:
    """The first filing freezes the deadline it was judged by and whether it was late."""
    if obligation.filed_at is not None:
        return
    obligation.status, obligation.filed_at, obligation.filed_by = Obligation.Status.FILED, when, actor
    obligation.deadline_at_filing = obligation.deadline_at
    obligation.filed_late = obligation.deadline_at is not None and when > obligation.deadline_at
    obligation.save(update_fields=["status", "filed_at", "filed_by", "deadline_at_filing", "filed_late"])
    next_deadline_refresh([obligation.incident_id])
