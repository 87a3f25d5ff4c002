"""Audit actions of incident and breach cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


@register_actions
class IncidentAction(models.TextChoices):
    OPENED = "incident.opened", _("Incident opened")
    UPDATED = "incident.updated", _("Incident updated")
    AWARE_AT_CHANGED = "incident.aware_at_changed", _("Incident awareness time corrected")
    PHASE_CHANGED = "incident.phase_changed", _("Incident phase changed")
    ASSIGNED = "incident.assigned", _("Incident assignee added")
    UNASSIGNED = "incident.unassigned", _("Incident assignee removed")
    TIMELINE_ADDED = "incident.timeline_added", _("Incident timeline entry added")
    TASK_ADDED = "incident.task_added", _("Incident task added")
    TASK_DONE = "incident.task_done", _("Incident task completed")
    EVIDENCE_ADDED = "incident.evidence_added", _("Incident evidence added")
    EVIDENCE_DOWNLOADED = "incident.evidence_downloaded", _("Incident evidence downloaded")
    OBLIGATIONS_GENERATED = "incident.obligations_generated", _("Incident notification obligations generated")
    OBLIGATION_NOT_REQUIRED = "incident.obligation_not_required", _("Notification decided not required")
    ASSESSED = "incident.assessed", _("Breach severity assessed")
    DECIDED = "incident.decided", _("Notification decision recorded")
    NOTICE_RECORDED = "incident.notice_recorded", _("Breach notice recorded")
    CLOSED = "incident.closed", _("Incident closed")
    ANONYMISED = "incident.anonymised", _("Incident personal data removed")
    EXPORT_REQUESTED = "incident.export_requested", _("Incident document requested")
