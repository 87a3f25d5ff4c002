"""Writes behind the records of processing (Art. 30(2)): categories of processing per service, processor details."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from controls.audit_actions import RecordsAction
from controls.models_subprocessors import ProcessingCategory, ProcessorDetails
from controls.services import StaleVersionError
from portal.audit.services import audit_record, masked_changes

CATEGORY_FIELDS = ("service", "name", "description", "data_subjects", "personal_data")
PROCESSOR_FIELDS = ("name", "address", "contact_email", "representative", "dpo_name", "dpo_contact", "security_contact")


def _require(actor) -> None:
    if not actor.has_perm("controls.change_processingcategory"):
        raise PermissionDenied(_("Only the DPO keeps the records of processing."))


@transaction.atomic
def processing_category_add(*, actor, **fields: Any) -> ProcessingCategory:
    """Record a category of processing carried out in one service."""
    _require(actor)
    category = ProcessingCategory(**{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()})
    category.full_clean()
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError:
        raise ValidationError({"name": _("This service already has a category of that name.")}) from None
    audit_record(action=RecordsAction.CATEGORY_ADDED, actor=actor, target=category,
                 changes={"service": category.service.slug, "name": category.name})
    return category


@transaction.atomic
def processing_category_update(*, category: ProcessingCategory, actor, expected_version: int,
                               **changes: Any) -> ProcessingCategory:
    _require(actor)
    locked = ProcessingCategory.objects.select_for_update().get(pk=category.pk)
    if locked.version != expected_version:
        raise StaleVersionError(_("Someone else changed this category after you opened it. Reload and try again."))
    diff = {}
    for name in CATEGORY_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            diff[name] = (str(getattr(locked, name)), str(changes[name]))
            setattr(locked, name, changes[name])
    if not diff:
        return locked
    locked.full_clean()
    locked.version += 1
    locked.save(update_fields=[*(n for n in CATEGORY_FIELDS if n in diff), "version"])
    audit_record(action=RecordsAction.CATEGORY_UPDATED, actor=actor, target=locked, changes=masked_changes(diff))
    return locked


@transaction.atomic
def processing_category_remove(*, category: ProcessingCategory, actor) -> None:
    _require(actor)
    label, pk = str(category), category.pk
    # Every field goes into the audit event: the category can be read back from the trail and recorded again.
    removed = {"service": category.service.slug,
               **{name: getattr(category, name) for name in CATEGORY_FIELDS if name != "service"}}
    category.delete()
    audit_record(action=RecordsAction.CATEGORY_REMOVED, actor=actor, target_type="controls.processingcategory",
                 target_id=pk, target_label=label, changes=masked_changes({k: (v, None) for k, v in removed.items()}))


@transaction.atomic
def processor_details_update(*, actor, expected_version: int, **changes: Any) -> ProcessorDetails:
    """The processor's name and contacts, its representative and DPO, as every record states them."""
    _require(actor)
    details = ProcessorDetails.objects.select_for_update().filter(pk=1).first() or ProcessorDetails(pk=1, version=0)
    if details.version != expected_version:
        raise StaleVersionError(_("Someone else changed these details after you opened them. Reload and try again."))
    diff = {}
    for name in PROCESSOR_FIELDS:
        if name in changes and getattr(details, name) != changes[name]:
            diff[name] = (getattr(details, name), changes[name])
            setattr(details, name, changes[name])
    if not diff:
        return details
    details.full_clean()
    details.version += 1
    details.save()
    audit_record(action=RecordsAction.PROCESSOR_UPDATED, actor=actor, target=details, changes=masked_changes(diff))
    return details
