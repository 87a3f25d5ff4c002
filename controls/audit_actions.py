"""The controls app's audit actions and their labels (codes "<area>.<verb>"), registered with the audit trail:
controls, customers, evidence and API tokens, sub-processors, records of processing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


@register_actions
class ControlAction(models.TextChoices):
    CONTROL_CREATED = "control.created", _("Control created")
    CONTROL_UPDATED = "control.updated", _("Control updated")
    CONTROL_REVIEWED = "control.reviewed", _("Control reviewed")
    CONTROL_OWNER_CHANGED = "control.owner_changed", _("Control owner changed")
    CONTROL_CATALOGUE_LOADED = "control.catalogue_loaded", _("TOM catalogue loaded")
    CATEGORY_STATEMENT_CHANGED = "control.statement_changed", _("Statement on an SCC category changed")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")
    CUSTOMER_OVERRIDE_SET = "customer.override_set", _("Customer control override set")
    CUSTOMER_OVERRIDE_REMOVED = "customer.override_removed", _("Customer control override removed")
    CONTROL_STATUS_CHANGED = "control.status_changed", _("Control status changed automatically")
    CONTROL_REGISTER_EXPORTED = "control.register_exported", _("Control register exported")
    CONTROL_REGISTER_IMPORTED = "control.register_imported", _("Controls imported from CSV")
    EVIDENCE_ADDED = "evidence.added", _("Evidence added")
    EVIDENCE_REMOVED = "evidence.removed", _("Evidence removed")
    EVIDENCE_RESTORED = "evidence.restored", _("Evidence restored")
    EVIDENCE_DOWNLOADED = "evidence.downloaded", _("Evidence downloaded")
    API_TOKEN_CREATED = "api.token_created", _("API token created")
    API_TOKEN_REVOKED = "api.token_revoked", _("API token revoked")


@register_actions
class SubProcessorAction(models.TextChoices):
    CREATED = "subprocessor.created", _("Sub-processor added to the register")
    UPDATED = "subprocessor.updated", _("Sub-processor updated")
    ASSESSED = "subprocessor.assessed", _("Sub-processor assessment recorded")
    RETIRED = "subprocessor.retired", _("Sub-processor retired")
    CHANGE_ANNOUNCED = "subprocessor.change_announced", _("Sub-processor change announced to customers")
    USE_RECORDED = "subprocessor.use_recorded", _("Existing use of a sub-processor recorded")
    CHANGE_WITHDRAWN = "subprocessor.change_withdrawn", _("Sub-processor change withdrawn")
    NOTICE_SENT = "subprocessor.notice_sent", _("Sub-processor change notice sent")
    RESPONSE_RECORDED = "subprocessor.response_recorded", _("Customer's answer to a sub-processor change recorded")
    OBJECTION_RESOLVED = "subprocessor.objection_resolved", _("Objection to a sub-processor change resolved")
    TERMS_UPDATED = "subprocessor.terms_updated", _("Customer's sub-processor terms updated")


@register_actions
class RecordsAction(models.TextChoices):
    CATEGORY_ADDED = "processing.category_added", _("Category of processing added")
    CATEGORY_UPDATED = "processing.category_updated", _("Category of processing updated")
    CATEGORY_REMOVED = "processing.category_removed", _("Category of processing removed")
    PROCESSOR_UPDATED = "processing.processor_updated", _("Processor details for the records updated")
