"""The controls app's audit actions and their labels (codes "<area>.<verb>", registered with the audit trail)."""

from django.db import models

from portal.audit.registry import register_actions


@register_actions
class ControlAction(models.TextChoices):
    CONTROL_CREATED = "control.created", "Control created"
    CONTROL_UPDATED = "control.updated", "Control updated"
    CONTROL_REVIEWED = "control.reviewed", "Control reviewed"
    CONTROL_OWNER_CHANGED = "control.owner_changed", "Control owner changed"
    CONTROL_CATALOGUE_LOADED = "control.catalogue_loaded", "TOM catalogue loaded"
    CUSTOMER_CREATED = "customer.created", "Customer created"
    CUSTOMER_UPDATED = "customer.updated", "Customer updated"
    CUSTOMER_OVERRIDE_SET = "customer.override_set", "Customer control override set"
    CUSTOMER_OVERRIDE_REMOVED = "customer.override_removed", "Customer control override removed"
    CONTROL_STATUS_CHANGED = "control.status_changed", "Control status changed automatically"
    CONTROL_REGISTER_EXPORTED = "control.register_exported", "Control register exported"
    CONTROL_REGISTER_IMPORTED = "control.register_imported", "Controls imported from CSV"
    EVIDENCE_ADDED = "evidence.added", "Evidence added"
    EVIDENCE_REMOVED = "evidence.removed", "Evidence removed"
    EVIDENCE_RESTORED = "evidence.restored", "Evidence restored"
    EVIDENCE_DOWNLOADED = "evidence.downloaded", "Evidence downloaded"
    API_TOKEN_CREATED = "api.token_created", "API token created"
    API_TOKEN_REVOKED = "api.token_revoked", "API token revoked"
