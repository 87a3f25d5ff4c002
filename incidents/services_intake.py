"""Opening a case: the quick intake (a person), and the intake API for detection tools (idempotent on the
tool's external id, the on-call responders told at once)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from incidents.audit_actions import IncidentAction
from incidents.models import Incident, Severity
from incidents.rules import User, _grant_all, _labels, _next_reference, _system_entry
from incidents.services_obligations import obligations_generate
from incidents.timeline_text import moment, sentence
from portal.audit.services import audit_record, masked_changes


@transaction.atomic
def incident_open(*, actor, **fields: Any) -> Incident:
    """Log an incident (a responder, the DPO, an admin, a detection tool's token); it opens in triage with its
    awareness time and its notification obligations. The fields are those of `_open_case`."""
    if not actor.has_perm("incidents.add_incident"):
        raise PermissionDenied(_("You may not log incidents."))
    return _open_case(actor=actor, **fields)


@transaction.atomic
def incident_report_suspected_breach(*, actor, description: str, noticed_at: datetime | None = None,
                                     affected: str = "") -> Incident:
    """Anyone in the organisation reports a suspected breach, as the awareness training teaches: a triage case
    with its clocks running, assigned to the on-call responders, who are told at once with the DPO.

    The reporter is not assigned: like every case, it stays need-to-know.
    """
    if not (getattr(actor, "is_authenticated", False) and actor.is_active):
        raise PermissionDenied(_("Sign in to report a suspected breach."))
    if not description.strip():
        raise ValidationError({"description": _("Describe what you noticed.")})
    incident = _open_case(
        actor=actor, title=_("Suspected breach reported by staff"), description=description,
        detected_at=noticed_at, reported_by=f"{actor.full_name} <{actor.email}>".strip(),
        affected_systems=affected, assignees=list(on_call_responders()))
    transaction.on_commit(lambda: _notify_on_call(incident.pk, with_dpo=True))
    return incident


def _open_case(
    *,
    actor,
    title: str,
    description: str = "",
    detected_at: datetime | None = None,
    aware_at: datetime | None = None,
    reported_by: str = "",
    affected_systems: str = "",
    customers: Iterable = (),
    severity: str = Severity.MEDIUM,
    is_exercise: bool = False,
    personal_data_involved: bool = True,
    controller_data: bool = False,
    assignees: Iterable = (),
    external_source: str = "",
    external_id: str = "",
) -> Incident:
    """Open the case in triage, with its awareness time and its notification obligations (in the caller's
    transaction; the caller checked who may)."""
    now = timezone.now()
    detected_at = detected_at or now
    aware_at = aware_at or now
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the incident a short title.")
    if detected_at > now:
        errors["detected_at"] = _("The detection time cannot be in the future.")
    if aware_at > now:
        errors["aware_at"] = _("The awareness time cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    incident = Incident(
        reference="", title=title.strip(),
        description=description.strip(), detected_at=detected_at, aware_at=aware_at,
        reported_by=reported_by.strip(), affected_systems=affected_systems.strip(),
        severity=Severity(severity), is_exercise=is_exercise, personal_data_involved=personal_data_involved,
        controller_data=controller_data, external_source=external_source, external_id=external_id,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # The database, not the model, checks the external id's uniqueness: a detector's concurrent retry then ends
    # in the IntegrityError that intake_open_from_api answers with the case the first attempt opened.
    incident.full_clean(exclude=["reference", "customers", "controls", "assignees"], validate_constraints=False)
    _insert_with_reference(incident, timezone.localtime(now).year)
    incident.customers.set(customers)
    people = list(assignees)
    if actor.has_perm("incidents.work_incident") and actor not in people:
        people.insert(0, actor)
    _grant_all(incident, people)
    incident.save(update_fields=["assignee_ids"])
    _system_entry(incident, [sentence(gettext_noop("Case opened in triage; aware at %(at)s."),
                                      at=moment(aware_at))], actor)
    audit_record(action=IncidentAction.OPENED, actor=actor, target=incident, changes=masked_changes({
        "title": (None, incident.title), "severity": (None, incident.severity),
        "aware_at": (None, aware_at.isoformat()), "detected_at": (None, detected_at.isoformat()),
        "customers": (None, _labels(incident.customers.all())), "is_exercise": (None, is_exercise),
        "assignees": (None, [p.email for p in people]), "external_id": (None, external_id or None),
        "description": (None, "set" if incident.description else None),
    }, masked=Incident.audit_masked_fields))
    obligations_generate(incident=incident, actor=actor)
    return incident


def _insert_with_reference(incident: Incident, year: int, attempts: int = 5) -> None:
    """Insert with the next free reference; two cases opened at the same moment retry, not fail."""
    for attempt in range(attempts):
        incident.reference = _next_reference(year)
        try:
            with transaction.atomic():
                incident.save(force_insert=True)
            return
        except IntegrityError:
            taken = Incident.objects.filter(reference=incident.reference).exists()
            if not taken or attempt == attempts - 1:
                raise  # not the reference (e.g. the external id was taken): the caller decides


def on_call_responders():
    from portal.accounts.roles import Role

    return User.objects.filter(groups__name=Role.INCIDENT_RESPONDER, is_active=True).distinct().order_by("pk")


def intake_open_from_api(*, actor, source: str, external_id: str, **fields) -> tuple[Incident, bool]:
    """Open a case for a detection tool, assigned to the on-call responders, who are told at once.

    The same (source, external id) returns the case opened before, whoever retries and however often.
    """
    existing = _opened_before(source, external_id)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            incident = incident_open(actor=actor, external_source=source, external_id=external_id,
                                     assignees=list(on_call_responders()), **fields)
            transaction.on_commit(lambda: _notify_on_call(incident.pk))
    except IntegrityError:
        # A concurrent retry opened it first; any other conflict is not ours to answer.
        existing = _opened_before(source, external_id)
        if existing is None:
            raise
        return existing, False
    return incident, True


def _opened_before(source: str, external_id: str) -> Incident | None:
    return Incident.objects.filter(external_source=source, external_id=external_id).first()


def _notify_on_call(incident_id: int, *, with_dpo: bool = False) -> None:
    from incidents.tasks import incident_notify_on_call_task

    incident_notify_on_call_task.delay(incident_id, with_dpo=with_dpo)


def _alert_title(incident: Incident) -> str:
    prefix = _("[EXERCISE] ") if incident.is_exercise else ""
    if incident.external_source:
        return prefix + _("New incident from %(source)s: %(ref)s %(t)s") % {
            "source": incident.external_source, "ref": incident.reference, "t": incident.title}
    return prefix + _("Suspected breach reported: %(ref)s") % {"ref": incident.reference}


def incident_notify_on_call(*, incident_id: int, with_dpo: bool = False) -> int:
    """Tell the case's assignees (the on-call responders) about a case a detection tool or a member of staff
    opened, and with `with_dpo` every DPO too; once each."""
    from portal.accounts.roles import Role
    from portal.notifications.services import notice_send

    incident = Incident.objects.get(pk=incident_id)
    title = lazy(_alert_title, str)(incident)  # written when read: in each recipient's language
    people = Q(pk__in=incident.assignee_ids)
    if with_dpo:
        people |= Q(groups__name=Role.DPO)
    sent = 0
    for user in User.objects.filter(people, is_active=True).distinct().order_by("pk"):
        sent += notice_send(recipient=user, reason="incidents.intake", moment="opened", subject=incident,
                            critical=True, title=title, link=incident_url(incident.pk))
    return sent


def incident_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("incidents:detail", args=[pk])
