"""The controls app's audit actions and their labels (codes "<area>.<verb>"), registered with the audit trail:
controls, customers, evidence and API tokens, sub-processors, records of processing."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from controls.attention_text import reason_text
from portal.audit.registry import register_actions, register_field


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


@register_actions
class AnnexAction(models.TextChoices):
    TERMS_UPDATED = "annex.terms_updated", _("Customer's annex terms updated")
    DECISION_RECORDED = "annex.decision_recorded", _("Measure needing attention stated in the annex on justification")
    STATED_ON_JUSTIFICATION = "annex.stated_on_justification", _("Annex published with measures stated on a reason")
    NOTICE_SENT = "annex.customer_notice_sent", _("Annex version notice sent to the customer")
    RESPONSE_RECORDED = "annex.response_recorded", _("Customer's answer to an annex version recorded")
    OBJECTION_WITHDRAWN = "annex.objection_withdrawn", _("Customer's objection to an annex version withdrawn")


def _parameters_text(value) -> str:
    from controls.parameters import described

    if not isinstance(value, dict):
        return value
    return "; ".join(f"{label}: {text}" for label, text in described(value)) or "—"


def _list_text(value) -> str:
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


def _status_text(value) -> str:
    """A control's status in the reader's language; a value that is no control status (another record's "status"
    in its own history) shows as stored."""
    from controls.models import Control

    return str(Control.Status(value).label) if value in Control.Status.values else value


def _reason_text(value):
    return reason_text(value) if isinstance(value, str) else value


# How the control inventory's fields read in a history (the control page, the audit trail).
for _name, _label, _formatter in (
    ("parameters", _("Parameters"), _parameters_text),
    ("art32_points", _("GDPR Art. 32(1) points"), _list_text),
    ("tags", _("Tags"), _list_text),
    ("scc_category", _("SCC measure category"), None),
    ("next_review_due", _("Next review due"), None),
    ("last_reviewed_on", _("Last reviewed on"), None),
    ("review_cadence_months", _("Review cadence (months)"), None),
    ("applies_to_all_services", _("Applies to all services"), None),
    ("planned_for", _("Planned for"), None),
    ("status", _("Status"), _status_text),
    ("status_before_attention", _("Status before attention"), _status_text),
    ("attention_reason", _("Reason for attention"), _reason_text),
    # A status change's reason: Annex's own reasons are messages (controls.attention_text), a person's as written.
    ("reason", _("Reason"), _reason_text),
    ("valid_until", _("Valid until"), None),
    ("valid_from", _("Valid from"), None),
    ("sha256", _("SHA-256"), None),
    ("breach_notice_hours", _("Breach notice deadline (hours)"), None),
    ("contract_reference", _("Contract / DPA reference"), None),
    ("notice_contact_name", _("Contact for notices"), None),
    ("notice_contact_email", _("Notice email"), None),
    ("contract_language", _("Contract language"), None),
    ("contract_ends_on", _("Contract ends on"), None),
    ("end_of_contract_choice", _("At the end of the contract"), None),
    ("notice_days", _("Notice period (days)"), None),
    ("review_months", _("Annex reviewed every (months)"), None),
    ("planned_measures", _("Planned measures"), None),
    ("response_by", _("Answered by"), None),
    ("response_note", _("Note"), None),
    ("annex_version", _("Annex version"), None),
    ("control_version", _("Control version"), None),
    ("takes_effect_on", _("Takes effect on"), None),
):
    register_field(_name, _label, _formatter)
