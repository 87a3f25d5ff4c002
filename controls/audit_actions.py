"""Audit actions of the controls app that live outside portal.audit.models (sub-processors, records)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import register_actions


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
