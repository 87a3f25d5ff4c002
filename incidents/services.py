"""Every write to incident cases: one transaction each, with its audit event.

Need-to-know: a case is seen by its assignees (a django-guardian object permission, granted and withdrawn
here together with the assignee list), and by whoever holds `incidents.view_all_incidents` (DPO, admin).
The views load every case through `selectors.incidents_visible_to`, so a service receives only cases the
actor may see; the services check what the actor may do with it.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm, remove_perm

from incidents import assessment as enisa
from incidents import clocks, timeline_text
from incidents.audit_actions import IncidentAction
from incidents.models import (
    OPEN_PHASES,
    Art34Exemption,
    Assessment,
    BreachType,
    ClockStart,
    DataCategory,
    Incident,
    IncidentEvidence,
    NoticeRecord,
    Obligation,
    ObligationTemplate,
    Phase,
    Recipient,
    Severity,
    SubjectCategory,
    Task,
    TimelineEntry,
    Trigger,
)
from incidents.timeline_text import label, moment, sentence
from portal.audit.services import audit_record, masked_changes
from portal.security.errors import FileTooLarge
from portal.security.storage import delete_encrypted, open_decrypted, store_encrypted

User = get_user_model()
VIEW_PERMISSION = "view_incident"
REDACTED = "[removed]"

# What the case form edits; the facts among them regenerate the obligations when they change.
INCIDENT_FIELDS = (
    "title", "severity", "personal_data_involved", "controller_data", "breach_types", "subject_categories",
    "data_categories", "approx_subjects", "approx_records", "affected_systems", "detected_at", "description",
    "reported_by", "subjects_description", "likely_consequences", "measures", "dpo_contact", "is_exercise",
)
INCIDENT_M2M = ("customers", "controls")
FACT_FIELDS = {"severity", "personal_data_involved", "controller_data", "customers", "is_exercise"}
NIS2_SEVERITIES = (Severity.HIGH, Severity.CRITICAL)


class StaleVersionError(ValidationError):
    """The case changed since the form was read; nothing was saved."""


# --- rules ---------------------------------------------------------------------------------------------


def can_see_all(user) -> bool:
    return user.has_perm("incidents.view_all_incidents")


def can_work(user, incident: Incident) -> bool:
    """Work on a case: the assignees holding the responder's rights, the DPO and admins."""
    if not user.has_perm("incidents.work_incident"):
        return False
    return can_see_all(user) or user.pk in (incident.assignee_ids or [])


def can_decide(user) -> bool:
    return user.has_perm("incidents.decide_incident")


def _require_work(actor, incident: Incident) -> None:
    if not can_work(actor, incident):
        raise PermissionDenied(_("You may not work on this case."))


def _require_open(incident: Incident) -> None:
    if not incident.is_open:
        raise ValidationError(_("This case is %(phase)s; it can no longer be changed.") % {
            "phase": incident.get_phase_display().lower()})


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _check_version(locked: Incident, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            _("Someone else changed this case after you opened it (now version %(now)s, yours %(yours)s). "
              "Nothing was saved: reload the case and apply your change again."),
            params={"now": locked.version, "yours": expected_version},
        )


def _bump(locked: Incident, fields: list[str]) -> None:
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "version", "updated_at"])


def _system_entry(incident: Incident, message: list[dict], actor=None) -> TimelineEntry:
    """A line by Annex: kept as a message for each reader's language, and as text in the deployment's."""
    return TimelineEntry.objects.create(incident=incident, kind=TimelineEntry.Kind.SYSTEM, message=message,
                                        text=timeline_text.render_default(message), author=actor)


def _audit_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _labels(objects: Iterable) -> list[str]:
    return sorted(str(o) for o in objects)


def _check_choices(name: str, values: Iterable[str], choices) -> list[str]:
    values = list(dict.fromkeys(values))
    bad = [v for v in values if v not in choices.values]
    if bad:
        raise ValidationError({name: _("Unknown value: %(v)s.") % {"v": ", ".join(bad)}})
    return values


def _next_reference(year: int) -> str:
    prefix = f"INC-{year}-"
    last = Incident.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"]
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def assignable_users():
    """Who can be put on a case: active users who may work on cases."""
    return User.objects.filter(is_active=True, groups__permissions__codename="work_incident",
                               groups__permissions__content_type__app_label="incidents").distinct()


# --- intake and the case ---------------------------------------------------------------------------------


@transaction.atomic
def incident_open(
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
    """Log an incident; it opens in triage with its awareness time and its notification obligations."""
    if not actor.has_perm("incidents.add_incident"):
        raise PermissionDenied(_("You may not log incidents."))
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
    incident.full_clean(exclude=["reference", "customers", "controls", "assignees"])
    _insert_with_reference(incident, timezone.localtime(now).year)
    incident.customers.set(customers)
    people = list(assignees)
    if actor.has_perm("incidents.work_incident") and actor not in people:
        people.insert(0, actor)
    for person in people:
        _grant(incident, person)
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


@transaction.atomic
def incident_update(*, incident: Incident, actor, expected_version: int, **changes: Any) -> Incident:
    """Edit the case read at `expected_version`; a stale edit is refused and nothing is written."""
    unknown = set(changes) - set(INCIDENT_FIELDS) - set(INCIDENT_M2M)
    if unknown:
        raise TypeError(f"incident_update got unknown fields: {sorted(unknown)}")
    locked = _locked(incident)
    _require_work(actor, locked)
    _check_version(locked, expected_version)
    _require_open(locked)
    for name, choices in (("breach_types", BreachType), ("subject_categories", SubjectCategory),
                          ("data_categories", DataCategory)):
        if name in changes:
            changes[name] = _check_choices(name, changes[name], choices)
    if "detected_at" in changes and changes["detected_at"] > timezone.now():
        raise ValidationError({"detected_at": _("The detection time cannot be in the future.")})
    diff: dict[str, tuple] = {}
    for name in INCIDENT_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            diff[name] = (_audit_value(getattr(locked, name)), _audit_value(changes[name]))
            setattr(locked, name, changes[name])
    m2m_new = {}
    for name in INCIDENT_M2M:
        if name in changes:
            before, after = list(getattr(locked, name).all()), list(changes[name])
            if {o.pk for o in before} != {o.pk for o in after}:
                diff[name] = (_labels(before), _labels(after))
                m2m_new[name] = after
    if not diff:
        return locked
    locked.full_clean(exclude=["customers", "controls", "assignees"])
    _bump(locked, [n for n in INCIDENT_FIELDS if n in diff])
    for name, values in m2m_new.items():
        getattr(locked, name).set(values)
    audit_record(action=IncidentAction.UPDATED, actor=actor, target=locked, changes=masked_changes(
        diff, masked=Incident.audit_masked_fields))
    if FACT_FIELDS & set(diff):
        obligations_generate(incident=locked, actor=actor)
    return locked


@transaction.atomic
def incident_change_aware_at(*, incident: Incident, actor, aware_at: datetime, reason: str,
                             expected_version: int | None = None) -> Incident:
    """Correct the awareness time, with a reason; open clocks move, filed ones keep their lateness."""
    locked = _locked(incident)
    _require_work(actor, locked)
    _check_version(locked, expected_version)
    _require_open(locked)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the awareness time changes.")})
    if aware_at > timezone.now():
        raise ValidationError({"aware_at": _("The awareness time cannot be in the future.")})
    if aware_at == locked.aware_at:
        raise ValidationError({"aware_at": _("This is already the awareness time.")})
    before = locked.aware_at
    locked.aware_at = aware_at
    locked.aware_at_history = [*(locked.aware_at_history or []), {
        "from": before.isoformat(), "to": aware_at.isoformat(), "reason": reason, "by": actor.email,
        "at": timezone.now().isoformat()}]
    _bump(locked, ["aware_at", "aware_at_history"])
    _system_entry(locked, [sentence(gettext_noop("Awareness time changed from %(before)s to %(after)s: %(reason)s"),
                                    before=moment(before), after=moment(aware_at), reason=reason)], actor)
    audit_record(action=IncidentAction.AWARE_AT_CHANGED, actor=actor, target=locked, changes={
        "aware_at": (before.isoformat(), aware_at.isoformat()), "reason": reason})
    _recompute_open_clocks(locked)
    return locked


@transaction.atomic
def incident_set_phase(*, incident: Incident, actor, phase: str, reason: str = "",
                       expected_version: int | None = None) -> Incident:
    """Move the case through triage, contained, eradicated, recovered; or rule it not a personal data breach."""
    locked = _locked(incident)
    _require_work(actor, locked)
    _check_version(locked, expected_version)
    _require_open(locked)
    phase = Phase(phase)
    if phase == Phase.CLOSED:
        raise ValidationError(_("Close the case with its post-incident review."))
    if phase == locked.phase:
        raise ValidationError({"phase": _("The case is already in this phase.")})
    reason = reason.strip()
    fields = ["phase"]
    if phase == Phase.NOT_A_BREACH:
        if not reason:
            raise ValidationError({"reason": _("Say why this is not a personal data breach.")})
        locked.not_breach_reason, locked.closed_at = reason, timezone.now()
        fields += ["not_breach_reason", "closed_at"]
    before = locked.phase
    locked.phase = phase
    _bump(locked, fields)
    _system_entry(locked, [sentence(gettext_noop("Phase: %(phase)s."), phase=label(phase.label)),
                           *([sentence("%(reason)s", reason=reason)] if reason else [])], actor)
    audit_record(action=IncidentAction.PHASE_CHANGED, actor=actor, target=locked,
                 changes={"phase": (before, phase.value), **({"reason": reason} if reason else {})})
    if phase == Phase.NOT_A_BREACH:
        _withdraw(locked.obligations.filter(status=Obligation.Status.OPEN),
                  _("The case was ruled not a personal data breach."))
    return locked


def _grant(incident: Incident, user) -> None:
    assign_perm(VIEW_PERMISSION, user, incident)
    incident.assignees.add(user)
    if user.pk not in incident.assignee_ids:
        incident.assignee_ids = [*incident.assignee_ids, user.pk]


@transaction.atomic
def incident_assign(*, incident: Incident, actor, user) -> Incident:
    """Put a person on the case: they see it from now on."""
    locked = _locked(incident)
    _require_work(actor, locked)
    if not assignable_users().filter(pk=user.pk).exists():
        raise ValidationError({"user": _("Only active incident responders, the DPO and admins can be assigned.")})
    if user.pk in locked.assignee_ids:
        raise ValidationError({"user": _("%(name)s is already assigned.") % {"name": user}})
    _grant(locked, user)
    _bump(locked, ["assignee_ids"])
    _system_entry(locked, [sentence(gettext_noop("Assigned: %(name)s."), name=str(user))], actor)
    audit_record(action=IncidentAction.ASSIGNED, actor=actor, target=locked, changes={"assignee": (None, user.email)})
    return locked


@transaction.atomic
def incident_unassign(*, incident: Incident, actor, user) -> Incident:
    """Take a person off the case: unless they see every case, it becomes invisible to them."""
    locked = _locked(incident)
    _require_work(actor, locked)
    if user.pk not in locked.assignee_ids:
        raise ValidationError({"user": _("%(name)s is not assigned.") % {"name": user}})
    if len(locked.assignee_ids) == 1:
        raise ValidationError({"user": _("A case keeps at least one assignee.")})
    remove_perm(VIEW_PERMISSION, user, locked)
    locked.assignees.remove(user)
    locked.assignee_ids = [pk for pk in locked.assignee_ids if pk != user.pk]
    _bump(locked, ["assignee_ids"])
    _system_entry(locked, [sentence(gettext_noop("Unassigned: %(name)s."), name=str(user))], actor)
    audit_record(action=IncidentAction.UNASSIGNED, actor=actor, target=locked,
                 changes={"assignee": (user.email, None)})
    return locked


# --- timeline, tasks, evidence -----------------------------------------------------------------------------


@transaction.atomic
def timeline_add(*, incident: Incident, actor, text: str, happened_at: datetime | None = None,
                 corrects: TimelineEntry | None = None) -> TimelineEntry:
    """Append to the timeline; entries are never edited: a correction is a new entry naming the old one."""
    locked = _locked(incident)
    _require_work(actor, locked)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write what happened.")})
    if happened_at and happened_at > timezone.now():
        raise ValidationError({"happened_at": _("A timeline entry cannot be dated in the future.")})
    if corrects is not None and corrects.incident_id != locked.pk:
        raise ValidationError({"corrects": _("That entry belongs to another case.")})
    entry = TimelineEntry.objects.create(
        incident=locked, text=text, happened_at=happened_at or timezone.now(), author=actor, corrects=corrects,
        kind=TimelineEntry.Kind.CORRECTION if corrects else TimelineEntry.Kind.NOTE)
    audit_record(action=IncidentAction.TIMELINE_ADDED, actor=actor, target=locked,
                 changes={"entry": entry.pk, "corrects": corrects.pk if corrects else None})
    return entry


@transaction.atomic
def task_add(*, incident: Incident, actor, title: str, owner=None, due_on=None, control=None,
             is_follow_up: bool = False) -> Task:
    locked = _locked(incident)
    _require_work(actor, locked)
    if not title.strip():
        raise ValidationError({"title": _("Say what is to be done.")})
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("The owner must be an active user.")})
    task = Task.objects.create(incident=locked, title=title.strip(), owner=owner, due_on=due_on, control=control,
                               is_follow_up=is_follow_up or control is not None, created_by=actor)
    audit_record(action=IncidentAction.TASK_ADDED, actor=actor, target=locked, changes={
        "task": (None, task.title), "owner": (None, owner.email if owner else None),
        "due_on": (None, due_on.isoformat() if due_on else None),
        "control": (None, control.reference if control else None)})
    return task


@transaction.atomic
def task_complete(*, task: Task, actor) -> Task:
    locked_incident = _locked(task.incident)
    _require_work(actor, locked_incident)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.done_at is not None:
        raise ValidationError(_("This task is already done."))
    locked.done_at = timezone.now()
    locked.save(update_fields=["done_at"])
    audit_record(action=IncidentAction.TASK_DONE, actor=actor, target=locked_incident,
                 changes={"task": locked.title})
    return locked


def evidence_add(*, incident: Incident, actor, title: str, upload: BinaryIO | None, filename: str,
                 content_type: str = "application/octet-stream") -> IncidentEvidence:
    """Store a file on the case, encrypted; nothing is kept when it is refused."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file to upload.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the file a title.")})
    evidence = IncidentEvidence(title=title.strip(), original_filename=(filename or "evidence")[-180:],
                                content_type=content_type[:120] or "application/octet-stream", uploaded_by=actor)
    limit = settings.EVIDENCE_MAX_BYTES
    try:
        stored = store_encrypted(upload, purpose=evidence.purpose, max_bytes=limit)
    except FileTooLarge as exc:
        raise ValidationError({"file": _("The file is too large; the limit is %(mb)s MB.") % {
            "mb": limit // (1024 * 1024)}}) from exc
    try:
        with transaction.atomic():
            locked = _locked(incident)
            _require_work(actor, locked)
            evidence.incident = locked
            evidence.file_path, evidence.sha256, evidence.size, evidence.key_id = (
                stored.path, stored.sha256, stored.size, stored.key_id)
            evidence.save(force_insert=True)
            audit_record(action=IncidentAction.EVIDENCE_ADDED, actor=actor, target=locked, changes={
                "evidence": (None, evidence.title), "sha256": (None, evidence.sha256), "size": (None, evidence.size)})
    except BaseException:
        delete_encrypted(stored.path)
        raise
    return evidence


def evidence_open_for_download(*, evidence: IncidentEvidence, actor):
    """The decrypted chunks, after recording the download (the caller loaded it through the selector)."""
    stream = open_decrypted(evidence.file_path, purpose=evidence.purpose)
    try:
        with transaction.atomic():
            audit_record(action=IncidentAction.EVIDENCE_DOWNLOADED, actor=actor, target=evidence.incident,
                         changes={"evidence": evidence.title, "sha256": evidence.sha256})
    except BaseException:
        stream.close()
        raise
    return stream


# --- obligations ---------------------------------------------------------------------------------------------


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


def _recipient(obligation: Obligation):
    """For a timeline line: the customer's name as written, or the recipient's label translated when shown."""
    return obligation.recipient_label if obligation.customer_id else timeline_text.label(
        Recipient(obligation.recipient).label)


def _english(text) -> str:
    """A label as stored: in English, whoever's request writes it; pages show it through the catalogue."""
    with translation.override("en"):
        return str(text)


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
    for obligation in obligations:
        obligation.status, obligation.rationale = Obligation.Status.WITHDRAWN, reason
        obligation.save(update_fields=["status", "rationale"])


def _recompute_open_clocks(incident: Incident) -> None:
    """After "aware at" moved: open clocks follow it; filed ones keep the deadline they were judged by."""
    filed = {o.template.code: o.filed_at for o in incident.obligations.select_related("template") if o.filed_at}
    for obligation in incident.obligations.filter(status=Obligation.Status.OPEN):
        start = _clock_start(incident, obligation.clock_start_kind, obligation.clock_after, filed)
        obligation.clock_start = start
        obligation.deadline_at = clocks.deadline_from(start, hours=obligation.hours, months=obligation.months)
        obligation.save(update_fields=["clock_start", "deadline_at"])


def _start_dependent_clocks(incident: Incident, code: str, filed_at: datetime) -> None:
    for obligation in incident.obligations.filter(status=Obligation.Status.OPEN, clock_after=code,
                                                  clock_start__isnull=True):
        obligation.clock_start = filed_at
        obligation.deadline_at = clocks.deadline_from(filed_at, hours=obligation.hours, months=obligation.months)
        obligation.save(update_fields=["clock_start", "deadline_at"])


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


# --- assessment ------------------------------------------------------------------------------------------


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


# --- notices -------------------------------------------------------------------------------------------------


@transaction.atomic
def notice_record(
    *,
    incident: Incident,
    actor,
    channel: str,
    content: str,
    obligation: Obligation | None = None,
    customer=None,
    recipient: str = "",
    recipient_label: str = "",
    stage: str = NoticeRecord.Stage.INITIAL,
    sent_at: datetime | None = None,
    attachments: Iterable[str] = (),
    delay_reasons: str = "",
    art34_exemption: str = "",
) -> NoticeRecord:
    """Record a notice; the first one for an obligation files it. Channel "email" sends it from Annex,
    except on an exercise, where it goes to the person recording it and never to the real recipient."""
    locked = _locked(incident)
    _require_work(actor, locked)
    now = timezone.now()
    sent_at = sent_at or now
    channel = NoticeRecord.Channel(channel)
    stage = NoticeRecord.Stage(stage)
    content = content.strip()
    errors = {}
    if not content:
        errors["content"] = _("Record what the notice said.")
    if sent_at > now:
        errors["sent_at"] = _("A notice cannot be recorded as sent in the future.")
    if obligation is not None:
        obligation = Obligation.objects.select_for_update().get(pk=obligation.pk)
        if obligation.incident_id != locked.pk:
            errors["obligation"] = _("That obligation belongs to another case.")
        elif obligation.status in (Obligation.Status.NOT_REQUIRED, Obligation.Status.WITHDRAWN):
            errors["obligation"] = _("That obligation is not open.")
        recipient, customer = obligation.recipient, obligation.customer
        recipient_label = obligation.recipient_label
    else:
        if customer is not None:
            recipient, recipient_label = Recipient.CUSTOMER, customer.name
        if recipient not in Recipient.values:
            errors["recipient"] = _("Choose who the notice went to.")
        if not recipient_label and recipient in Recipient.values:
            recipient_label = _english(Recipient(recipient).label)
    late = (obligation is not None and obligation.filed_at is None and obligation.deadline_at is not None
            and sent_at > obligation.deadline_at)
    if (late and obligation.recipient == Recipient.AUTHORITY and stage == NoticeRecord.Stage.INITIAL
            and not delay_reasons.strip()):
        errors["delay_reasons"] = _("This notification is later than 72 hours: give the reasons for the delay "
                                    "(Art. 33(1)).")
    exemption = Art34Exemption(art34_exemption)
    if exemption and recipient != Recipient.DATA_SUBJECTS:
        errors["art34_exemption"] = _("An Art. 34(3) exemption belongs to the communication to data subjects.")
    email_to = ""
    if channel == NoticeRecord.Channel.EMAIL:
        if locked.is_exercise:
            email_to = actor.email
        elif customer is not None:
            email_to = customer.notice_contact_email
        else:
            errors["channel"] = _("Annex can email only an affected customer's notice contact.")
    if errors:
        raise ValidationError(errors)
    notice = NoticeRecord.objects.create(
        incident=locked, obligation=obligation, recipient=recipient, customer=customer,
        recipient_label=recipient_label, sent_at=sent_at, sent_by=actor, channel=channel, stage=stage,
        content=content, attachments=[a.strip() for a in attachments if a.strip()],
        delay_reasons=delay_reasons.strip(), art34_exemption=exemption.value, delivered_to=email_to,
        is_exercise=locked.is_exercise,
    )
    if obligation is not None and obligation.filed_at is None:
        _file(obligation, actor, sent_at)
        _start_dependent_clocks(locked, obligation.template.code, sent_at)
    to = recipient_label if customer is not None else label(recipient_label)
    _system_entry(locked, [sentence(gettext_noop("%(stage)s recorded to %(to)s (%(channel)s)."),
                                    stage=label(stage.label), to=to, channel=label(channel.label))], actor)
    audit_record(action=IncidentAction.NOTICE_RECORDED, actor=actor, target=locked, changes={
        "recipient": recipient_label, "stage": stage.value, "channel": channel.value,
        "sent_at": sent_at.isoformat(), "obligation": obligation.pk if obligation else None,
        "filed_late": obligation.filed_late if obligation else None, "delivered_to": email_to or None,
        "exercise": locked.is_exercise})
    if email_to:
        transaction.on_commit(lambda: _send_notice_email(notice.pk))
    return notice


def _send_notice_email(notice_id: int) -> None:
    from incidents.tasks import notice_email_task

    notice_email_task.delay(notice_id)


def notice_email_send(*, notice_id: int) -> bool:
    """Send a recorded email notice to the address fixed when it was recorded; once per notice."""
    from django.core.mail import EmailMessage

    with transaction.atomic():
        notice = NoticeRecord.objects.select_for_update().select_related("incident").get(pk=notice_id)
        if not notice.delivered_to or notice.emailed_at is not None:
            return False
        subject = _("Personal data breach notice: %(ref)s") % {"ref": notice.incident.reference}
        if notice.is_exercise:
            subject = _("[EXERCISE] ") + subject
        EmailMessage(subject=subject, body=notice.content, to=[notice.delivered_to]).send()
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True


# --- closing and anonymising ---------------------------------------------------------------------------------


def close_blockers(incident: Incident) -> list[str]:
    """Why the case cannot be closed yet (empty: it can)."""
    blockers = []
    open_ones = [o for o in incident.obligations.all() if o.status == Obligation.Status.OPEN]
    for obligation in open_ones:
        blockers.append(_("Obligation still open: %(t)s to %(r)s.") % {
            "t": _(obligation.title), "r": _(obligation.recipient_label)})
    if incident.is_breach:
        assessment = Assessment.objects.filter(incident=incident).first()
        if assessment is None or not assessment.is_decided:
            blockers.append(_("The assessment has not been decided by the DPO."))
    return blockers


@transaction.atomic
def incident_close(*, incident: Incident, actor, what_happened: str, root_cause: str, lessons: str,
                   follow_ups: Iterable[tuple[Any, str]] = ()) -> Incident:
    """Close the case with its post-incident review; refused while an obligation is open or undecided."""
    locked = _locked(incident)
    _require_work(actor, locked)
    _require_open(locked)
    blockers = close_blockers(locked)
    if blockers:
        raise ValidationError(blockers)
    review = {"what_happened": what_happened.strip(), "root_cause": root_cause.strip(), "lessons": lessons.strip()}
    missing = {name: _("Write this part of the review.") for name, value in review.items() if not value}
    if missing:
        raise ValidationError(missing)
    for control, title in follow_ups:
        if not title.strip():
            raise ValidationError({"follow_up_title": _("Say what is to be done on the control.")})
        Task.objects.create(incident=locked, title=title.strip(), control=control, owner=control.owner,
                            is_follow_up=True, created_by=actor)
    locked.review_what_happened, locked.review_root_cause = review["what_happened"], review["root_cause"]
    locked.review_lessons = review["lessons"]
    before = locked.phase
    locked.phase, locked.closed_at = Phase.CLOSED, timezone.now()
    _bump(locked, ["review_what_happened", "review_root_cause", "review_lessons", "phase", "closed_at"])
    _system_entry(locked, [sentence(gettext_noop("Case closed with its post-incident review."))], actor)
    audit_record(action=IncidentAction.CLOSED, actor=actor, target=locked, changes={
        "phase": (before, Phase.CLOSED.value), "follow_ups": [f"{c.reference}: {t}" for c, t in follow_ups]})
    return locked


@transaction.atomic
def incident_anonymise(*, incident: Incident, actor) -> Incident:
    """Clear the case's personal data and keep its statistics; for retention of closed cases."""
    locked = _locked(incident)
    if locked.phase not in (Phase.CLOSED, Phase.NOT_A_BREACH):
        raise ValidationError(_("Only a closed case can be anonymised."))
    if locked.anonymised_at is not None:
        return locked
    for name in Incident.PERSONAL_FIELDS:
        setattr(locked, name, [] if name == "aware_at_history" else "")
    locked.anonymised_at = timezone.now()
    _bump(locked, [*Incident.PERSONAL_FIELDS, "anonymised_at"])
    for entry in locked.timeline.all():
        entry.text, entry.message = REDACTED, None
        entry.save(update_fields=["text", "message"])
    for notice in locked.notices.all():
        notice.content, notice.delay_reasons, notice.delivered_to = REDACTED, "", ""
        notice.save(update_fields=["content", "delay_reasons", "delivered_to"])
    files = list(locked.evidence.values_list("file_path", flat=True))
    locked.evidence.all().delete()
    transaction.on_commit(lambda: [delete_encrypted(path) for path in files])
    audit_record(action=IncidentAction.ANONYMISED, actor=actor, target=locked,
                 changes={"fields": list(Incident.PERSONAL_FIELDS), "evidence_files": len(files)})
    return locked


def open_phase_choices() -> list[tuple[str, str]]:
    return [(p.value, p.label) for p in OPEN_PHASES]


def on_call_responders():
    from portal.accounts.roles import Role

    return User.objects.filter(groups__name=Role.INCIDENT_RESPONDER, is_active=True).distinct().order_by("pk")


def intake_open_from_api(*, actor, source: str, external_id: str, **fields) -> tuple[Incident, bool]:
    """Open a case for a detection tool, assigned to the on-call responders, who are told at once.

    The same (source, external id) returns the case opened before, whoever retries and however often.
    """
    existing = Incident.objects.filter(external_source=source, external_id=external_id).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            incident = incident_open(actor=actor, external_source=source, external_id=external_id,
                                     assignees=list(on_call_responders()), **fields)
            transaction.on_commit(lambda: _notify_on_call(incident.pk))
    except IntegrityError:
        # A concurrent retry opened it first.
        return Incident.objects.get(external_source=source, external_id=external_id), False
    return incident, True


def _notify_on_call(incident_id: int) -> None:
    from incidents.tasks import incident_notify_on_call_task

    incident_notify_on_call_task.delay(incident_id)


def incident_notify_on_call(*, incident_id: int) -> int:
    """Tell the case's assignees (the on-call responders) about a case a detection tool opened; once each."""
    from portal.notifications.services import notice_send

    incident = Incident.objects.get(pk=incident_id)
    prefix = _("[EXERCISE] ") if incident.is_exercise else ""
    title = prefix + _("New incident from %(source)s: %(ref)s %(t)s") % {
        "source": incident.external_source, "ref": incident.reference, "t": incident.title}
    sent = 0
    for user in User.objects.filter(pk__in=incident.assignee_ids, is_active=True):
        sent += notice_send(recipient=user, reason="incidents.intake", moment="opened", subject=incident,
                            critical=True, title=title, link=incident_url(incident.pk))
    return sent


def incident_url(pk: int) -> str:
    from django.urls import reverse

    return reverse("incidents:detail", args=[pk])
