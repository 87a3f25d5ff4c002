"""Every write to incident cases: one transaction each, with its audit event.

Need-to-know: a case is seen by its assignees (a django-guardian object permission, granted and withdrawn
here together with the assignee list), and by whoever holds `incidents.view_all_incidents` (DPO, admin).
The views load every case through `selectors.incidents_visible_to`, so a service receives only cases the
actor may see; the services check what the actor may do with it.

The writes live in a few modules along the case's seams, and this module gives them all one name
(`services.notice_record`): the case itself here; intake (services_intake), obligations and their clocks
(services_obligations), the assessment (services_assessment) and notices (services_notices). What they share
is in incidents.rules.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import remove_perm

from incidents.audit_actions import IncidentAction
from incidents.models import (
    OPEN_PHASES,
    Assessment,
    BreachType,
    DataCategory,
    Incident,
    IncidentEvidence,
    Obligation,
    Phase,
    SubjectCategory,
    Task,
    TimelineEntry,
)
from incidents.rules import (  # noqa: F401 (the services' names, for views, tasks and tests)
    VIEW_PERMISSION,
    _audit_value,
    _bump,
    _check_choices,
    _grant,
    _labels,
    _locked,
    _require_open,
    _require_work,
    _system_entry,
    assignable_users,
    can_decide,
    can_see_all,
    can_work,
)
from incidents.services_assessment import assessment_decide, assessment_record  # noqa: F401
from incidents.services_intake import (  # noqa: F401
    incident_notify_on_call,
    incident_open,
    incident_report_suspected_breach,
    incident_url,
    intake_open_from_api,
    on_call_responders,
)
from incidents.services_notices import notice_email_send, notice_record  # noqa: F401
from incidents.services_obligations import (  # noqa: F401
    _recompute_open_clocks,
    _withdraw,
    obligation_mark_not_required,
    obligations_generate,
)
from incidents.timeline_text import label, moment, sentence
from portal.audit.services import audit_record, masked_changes
from portal.security.errors import FileTooLarge
from portal.security.storage import delete_encrypted, open_decrypted, store_encrypted

REDACTED = "[removed]"

# What the case form edits; the facts among them regenerate the obligations when they change.
INCIDENT_FIELDS = (
    "title", "severity", "personal_data_involved", "controller_data", "breach_types", "subject_categories",
    "data_categories", "approx_subjects", "approx_records", "affected_systems", "detected_at", "description",
    "reported_by", "subjects_description", "likely_consequences", "measures", "dpo_contact", "is_exercise",
)
INCIDENT_M2M = ("customers", "controls")
FACT_FIELDS = {"severity", "personal_data_involved", "controller_data", "customers", "is_exercise"}


class StaleVersionError(ValidationError):
    """The case changed since the form was read; nothing was saved."""


def _check_version(locked: Incident, expected_version: int | None) -> None:
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersionError(
            _("Someone else changed this case after you opened it (now version %(now)s, yours %(yours)s). "
              "Nothing was saved: reload the case and apply your change again."),
            params={"now": locked.version, "yours": expected_version},
        )


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
                  gettext_noop("The case was ruled not a personal data breach."))
    return locked


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
