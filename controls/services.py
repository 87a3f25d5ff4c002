"""Every write to the control inventory: one transaction each, with its audit event.

Object-level rule for controls: a user holding `controls.change_any_control` (DPO, Admin) may change
and review every control; a user holding only `controls.change_control` / `controls.review_control`
(security officer) may change and review the controls they own. The rule is checked here, on the row
locked for the write, rather than with per-object grants: ownership is a column of the control, so a
change of owner moves the right with it and nothing can drift out of step.
"""

import calendar
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from controls.audit_actions import ControlAction
from controls.models import CategoryStatement, Control, Customer, CustomerControlOverride, Review, Service
from controls.services_status import control_refresh_status
from portal.audit.services import audit_record, masked_changes

CONTROL_FIELDS = (
    "reference", "title", "description", "scc_category", "art32_points", "kind", "owner", "status", "planned_for",
    "parameters", "review_cadence_months", "next_review_due", "applies_to_all_services", "tags",
)
CONTROL_M2M = ("services", "related")
# What the TOM catalogue states about a control (controls/catalogue_loader.py); the rest is the organisation's own.
CATALOGUE_FIELDS = (
    "title", "description", "scc_category", "art32_points", "kind", "parameters", "review_cadence_months", "tags",
    "applies_to_all_services", "services", "related",
)
CATALOGUE_ACTOR_LABEL = "TOM catalogue"
CUSTOMER_FIELDS = (
    "name", "slug", "contract_reference", "notice_contact_name", "notice_contact_email", "breach_notice_hours",
    "contract_language", "is_active", "contract_ends_on", "end_of_contract_choice",
)


class StaleVersionError(ValidationError):
    """The record changed since the form was read; nothing was saved."""


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def can_change_control(user, control: Control) -> bool:
    if user.has_perm("controls.change_any_control"):
        return True
    return user.has_perm("controls.change_control") and control.owner_id == user.pk


def can_review_control(user, control: Control) -> bool:
    if user.has_perm("controls.change_any_control") and user.has_perm("controls.review_control"):
        return True
    return user.has_perm("controls.review_control") and control.owner_id == user.pk


def _audit_value(value: Any) -> Any:
    if hasattr(value, "pk"):
        return str(value)
    return value


def _m2m_labels(values: Iterable) -> list[str]:
    return sorted(getattr(v, "reference", None) or getattr(v, "slug", None) or str(v) for v in values)


def _check_owner(owner) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _("The owner must be an active user.")})


@transaction.atomic
def control_create(
    *,
    actor,
    reference: str,
    title: str,
    description: str,
    scc_category: str,
    kind: str = Control.Kind.TECHNICAL,
    owner=None,
    status: str = Control.Status.PLANNED,
    planned_for: date | None = None,
    art32_points: Iterable[str] = (),
    parameters: dict | None = None,
    review_cadence_months: int = 12,
    next_review_due: date | None = None,
    applies_to_all_services: bool = True,
    services: Iterable[Service] = (),
    tags: Iterable[str] = (),
    related: Iterable[Control] = (),
) -> Control:
    """Add a control to the inventory."""
    if not actor.has_perm("controls.add_control"):
        raise PermissionDenied(_("You may not add controls."))
    _check_owner(owner)
    return _insert_control(
        actor=actor, reference=reference, title=title, description=description, scc_category=scc_category, kind=kind,
        owner=owner, status=status, planned_for=planned_for, art32_points=art32_points, parameters=parameters,
        review_cadence_months=review_cadence_months, next_review_due=next_review_due,
        applies_to_all_services=applies_to_all_services, services=services, tags=tags, related=related)


@transaction.atomic
def control_create_from_catalogue(*, catalogue_hash: str, actor=None, **fields: Any) -> Control:
    """A control the TOM catalogue adds: created as control_create creates one, by the catalogue (a system load,
    so no person's permission applies; `actor` is who ran the load, if anyone)."""
    return _insert_control(actor=actor, actor_label=CATALOGUE_ACTOR_LABEL, catalogue_hash=catalogue_hash, **fields)


def _insert_control(*, actor, actor_label: str = "", catalogue_hash: str = "", reference: str, title: str,
                    description: str, scc_category: str, kind: str = Control.Kind.TECHNICAL, owner=None,
                    status: str = Control.Status.PLANNED, planned_for: date | None = None,
                    art32_points: Iterable[str] = (), parameters: dict | None = None, review_cadence_months: int = 12,
                    next_review_due: date | None = None, applies_to_all_services: bool = True,
                    services: Iterable[Service] = (), tags: Iterable[str] = (),
                    related: Iterable[Control] = ()) -> Control:
    services, related = list(services), list(related)
    if next_review_due is None and status != Control.Status.RETIRED:
        # A control with a review cadence is first reviewed one cadence after it is added.
        next_review_due = add_months(timezone.localdate(), review_cadence_months)
    control = Control(
        reference=reference.strip().upper(), title=title, description=description, scc_category=scc_category,
        kind=kind, owner=owner, status=status, planned_for=planned_for, art32_points=sorted(set(art32_points)),
        parameters=parameters or {},
        review_cadence_months=review_cadence_months, next_review_due=next_review_due,
        applies_to_all_services=applies_to_all_services, tags=list(tags), catalogue_hash=catalogue_hash,
    )
    control.full_clean()
    control.save()
    control.services.set(services)
    control.related.set(related)
    snapshot = {name: (None, _audit_value(getattr(control, name))) for name in CONTROL_FIELDS}
    snapshot["services"] = (None, _m2m_labels(services))
    snapshot["related"] = (None, _m2m_labels(related))
    audit_record(action=ControlAction.CONTROL_CREATED, actor=actor, actor_label=actor_label, target=control,
                 changes=masked_changes(snapshot))
    if control.is_overdue():
        # Added with a review date already past (an import of an old register): on "needs attention" at once.
        control_refresh_status(control=control, actor=actor)
    return control


@transaction.atomic
def control_update(*, control: Control, actor, expected_version: int, **changes: Any) -> Control:
    """Apply an edit read at `expected_version`; a stale edit is refused and nothing is written."""
    unknown = set(changes) - set(CONTROL_FIELDS) - set(CONTROL_M2M)
    if unknown:
        raise TypeError(f"control_update got unknown fields: {sorted(unknown)}")
    locked = Control.objects.select_for_update().get(pk=control.pk)
    if not can_change_control(actor, locked):
        raise PermissionDenied(_("You may change only the controls you own."))
    if locked.version != expected_version:
        raise StaleVersionError(
            _("Someone else changed this control after you opened it (now version %(now)s, yours %(yours)s). "
            "Nothing was saved: reload the control and apply your change again."),
            params={"now": locked.version, "yours": expected_version},
        )
    if ("owner" in changes and changes["owner"] != locked.owner) and not actor.has_perm("controls.change_any_control"):
        raise PermissionDenied(_("Only the DPO or an administrator may change a control's owner."))
    if "owner" in changes:
        _check_owner(changes["owner"])
    if "reference" in changes:
        changes["reference"] = changes["reference"].strip().upper()
    return _apply_control_changes(locked, actor=actor, changes=changes)


@transaction.atomic
def control_update_from_catalogue(*, control: Control, catalogue_hash: str, actor=None, **changes: Any) -> Control:
    """The catalogue's new wording of a control not edited locally (the loader checked that on the fields it read):
    applied as control_update applies an edit, by the catalogue, and the control remembers the new fingerprint."""
    unknown = set(changes) - set(CATALOGUE_FIELDS)
    if unknown:
        raise TypeError(f"control_update_from_catalogue got fields the catalogue does not manage: {sorted(unknown)}")
    locked = Control.objects.select_for_update().get(pk=control.pk)
    return _apply_control_changes(locked, actor=actor, actor_label=CATALOGUE_ACTOR_LABEL, changes=changes,
                                  catalogue_hash=catalogue_hash)


def _apply_control_changes(locked: Control, *, actor, changes: dict[str, Any], actor_label: str = "",
                           catalogue_hash: str | None = None) -> Control:
    """Set the changed fields on the locked row, save them with a new version and write one audit event."""
    if "art32_points" in changes:
        changes["art32_points"] = sorted(set(changes["art32_points"]))
    if "tags" in changes:
        changes["tags"] = list(changes["tags"])

    diff: dict[str, tuple] = {}
    for name in CONTROL_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            diff[name] = (_audit_value(getattr(locked, name)), _audit_value(changes[name]))
            setattr(locked, name, changes[name])
    m2m_new = {}
    for name in CONTROL_M2M:
        if name in changes:
            before = list(getattr(locked, name).all())
            after = list(changes[name])
            if {o.pk for o in before} != {o.pk for o in after}:
                diff[name] = (_m2m_labels(before), _m2m_labels(after))
                m2m_new[name] = after
    if "related" in m2m_new and any(o.pk == locked.pk for o in m2m_new["related"]):
        raise ValidationError({"related": _("A control cannot be related to itself.")})
    fields = [n for n in CONTROL_FIELDS if n in diff]
    if catalogue_hash is not None and catalogue_hash != locked.catalogue_hash:
        locked.catalogue_hash = catalogue_hash
        fields.append("catalogue_hash")
    if not fields and not m2m_new:
        return locked
    locked.full_clean()
    locked.version += 1
    locked.updated_at = timezone.now()
    if "status" in diff:
        # A person chose this status: the automation no longer has a status of its own to return to.
        locked.status_before_attention, locked.attention_reason = "", ""
        fields += ["status_before_attention", "attention_reason"]
    locked.save(update_fields=[*fields, "version", "updated_at"])
    for name, values in m2m_new.items():
        getattr(locked, name).set(values)
    if diff:
        audit_record(action=ControlAction.CONTROL_UPDATED, actor=actor, actor_label=actor_label, target=locked,
                     changes=masked_changes(diff))
    if {"status", "next_review_due"} & set(diff):
        control_refresh_status(control=locked, actor=actor)
    return locked


@transaction.atomic
def category_statement_set_from_catalogue(*, scc_category: str, applicable: bool, statement: str,
                                          catalogue_hash: str, actor=None) -> CategoryStatement:
    """What the TOM catalogue says about one SCC category as a whole; each change is its own audit event."""
    row = CategoryStatement.objects.select_for_update().filter(scc_category=scc_category).first()
    before = (None, None) if row is None else (row.applicable, row.statement)
    if row is None:
        row = CategoryStatement(scc_category=scc_category)
    elif before == (applicable, statement) and row.catalogue_hash == catalogue_hash:
        return row
    row.applicable, row.statement, row.catalogue_hash = applicable, statement, catalogue_hash
    row.full_clean()
    row.save()
    diff = {name: (old, new) for name, old, new in (("applicable", before[0], applicable),
                                                    ("statement", before[1], statement)) if old != new}
    if diff:
        audit_record(action=ControlAction.CATEGORY_STATEMENT_CHANGED, actor=actor, actor_label=CATALOGUE_ACTOR_LABEL,
                     target=row, target_label=scc_category, changes=masked_changes(diff))
    return row


STATUS_AFTER_REVIEW = {
    Review.Outcome.EFFECTIVE: Control.Status.VERIFIED,
    Review.Outcome.PARTIALLY_EFFECTIVE: Control.Status.IMPLEMENTED,
    Review.Outcome.INEFFECTIVE: Control.Status.NEEDS_ATTENTION,
}


@transaction.atomic
def control_record_review(
    *, control: Control, actor, outcome: str, notes: str, reviewed_on: date | None = None
) -> Review:
    """Record a review; it sets the next review date and moves the status with the outcome."""
    locked = Control.objects.select_for_update().get(pk=control.pk)
    if not can_review_control(actor, locked):
        raise PermissionDenied(_("You may review only the controls you own."))
    today = timezone.localdate()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise ValidationError({"reviewed_on": _("A review cannot be dated in the future.")})
    if locked.status == Control.Status.RETIRED:
        raise ValidationError(_("A retired control is not reviewed; reinstate it first."))
    if not notes.strip():
        raise ValidationError({"notes": _("Say what was checked and what was found.")})
    outcome = Review.Outcome(outcome)
    next_due = add_months(reviewed_on, locked.review_cadence_months)
    review = Review.objects.create(
        control=locked, reviewer=actor, outcome=outcome, notes=notes.strip(), reviewed_on=reviewed_on,
        next_review_due=next_due,
    )
    before = {n: getattr(locked, n) for n in ("status", "last_reviewed_on", "next_review_due")}
    locked.status = STATUS_AFTER_REVIEW[outcome]
    locked.status_before_attention, locked.attention_reason = "", ""
    locked.last_reviewed_on = max(reviewed_on, locked.last_reviewed_on or reviewed_on)
    locked.next_review_due = add_months(locked.last_reviewed_on, locked.review_cadence_months)
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=[
        "status", "status_before_attention", "attention_reason", "last_reviewed_on", "next_review_due", "version",
        "updated_at",
    ])
    diff = {n: (before[n], getattr(locked, n)) for n in before if before[n] != getattr(locked, n)}
    diff["outcome"] = (None, outcome.value)
    audit_record(action=ControlAction.CONTROL_REVIEWED, actor=actor, target=locked, changes=masked_changes(diff))
    # The review outcome sets the status; expired evidence still puts the control on attention afterwards.
    control_refresh_status(control=locked, actor=actor)
    return review


@transaction.atomic
def control_bulk_change_owner(*, control_ids: Iterable[int], owner, actor) -> list[Control]:
    """Hand several controls to one owner; each control gets its own audit event for its history."""
    if not actor.has_perm("controls.change_any_control"):
        raise PermissionDenied(_("Only the DPO or an administrator may change control owners."))
    _check_owner(owner)
    ids = sorted(set(control_ids))
    if not ids:
        raise ValidationError(_("Select at least one control."))
    controls = list(Control.objects.select_for_update().select_related("owner").filter(pk__in=ids))
    if len(controls) != len(ids):
        raise ValidationError(_("Some of the selected controls no longer exist; nothing was changed."))
    changed = []
    now = timezone.now()
    for control in controls:
        if control.owner_id == (owner.pk if owner else None):
            continue
        before = str(control.owner) if control.owner else None
        control.owner = owner
        control.version += 1
        control.updated_at = now
        control.save(update_fields=["owner", "version", "updated_at"])
        audit_record(
            action=ControlAction.CONTROL_OWNER_CHANGED, actor=actor, target=control,
            changes=masked_changes({"owner": (before, str(owner) if owner else None)}),
        )
        changed.append(control)
    return changed


@transaction.atomic
def customer_create(
    *,
    actor,
    name: str,
    slug: str,
    contract_reference: str,
    notice_contact_name: str,
    notice_contact_email: str,
    breach_notice_hours: int = 24,
    services: Iterable[Service] = (),
    contract_language: str = Customer.ContractLanguage.ENGLISH,
    is_active: bool = True,
    contract_ends_on=None,
    end_of_contract_choice: str = "",
) -> Customer:
    """Record a customer (a controller the processor serves) and the terms of its DPA."""
    if not actor.has_perm("controls.add_customer"):
        raise PermissionDenied(_("You may not add customers."))
    customer = Customer(
        name=name, slug=slug, contract_reference=contract_reference, notice_contact_name=notice_contact_name,
        notice_contact_email=notice_contact_email, breach_notice_hours=breach_notice_hours, is_active=is_active,
        contract_language=contract_language,
        contract_ends_on=contract_ends_on, end_of_contract_choice=end_of_contract_choice,
    )
    customer.full_clean()
    customer.save()
    customer.services.set(services)
    snapshot = {name: (None, getattr(customer, name)) for name in CUSTOMER_FIELDS}
    snapshot["services"] = (None, _m2m_labels(services))
    audit_record(
        action=ControlAction.CUSTOMER_CREATED, actor=actor, target=customer,
        changes=masked_changes(snapshot, masked=Customer.audit_masked_fields),
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, actor, expected_version: int, **changes: Any) -> Customer:
    """Change a customer's record; a stale edit is refused."""
    if not actor.has_perm("controls.change_customer"):
        raise PermissionDenied(_("You may not change customers."))
    unknown = set(changes) - set(CUSTOMER_FIELDS) - {"services"}
    if unknown:
        raise TypeError(f"customer_update got unknown fields: {sorted(unknown)}")
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.version != expected_version:
        raise StaleVersionError(
            _("Someone else changed this customer after you opened it. Nothing was saved: reload and try again.")
        )
    diff = {}
    for name in CUSTOMER_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            diff[name] = (getattr(locked, name), changes[name])
            setattr(locked, name, changes[name])
    new_services = None
    if "services" in changes:
        before = list(locked.services.all())
        after = list(changes["services"])
        if {s.pk for s in before} != {s.pk for s in after}:
            diff["services"] = (_m2m_labels(before), _m2m_labels(after))
            new_services = after
    if not diff:
        return locked
    locked.full_clean()
    locked.version += 1
    locked.save(update_fields=[*[n for n in CUSTOMER_FIELDS if n in diff], "version"])
    if new_services is not None:
        locked.services.set(new_services)
    audit_record(
        action=ControlAction.CUSTOMER_UPDATED, actor=actor, target=locked,
        changes=masked_changes(diff, masked=Customer.audit_masked_fields),
    )
    return locked


@transaction.atomic
def customer_set_override(
    *, customer: Customer, control: Control, mode: str, reason: str, actor
) -> CustomerControlOverride:
    """Include or exclude one control for one customer; the reason is required and recorded."""
    if not actor.has_perm("controls.change_customer"):
        raise PermissionDenied(_("You may not change customers."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for this inclusion or exclusion.")})
    mode = CustomerControlOverride.Mode(mode)
    # Lock the customer first: with no override row yet there is nothing else to lock, and two
    # simultaneous saves would both try to create it.
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    override = CustomerControlOverride.objects.select_for_update().filter(customer=customer, control=control).first()
    before = (override.mode, override.reason) if override else (None, None)
    if override is None:
        override = CustomerControlOverride.objects.create(
            customer=customer, control=control, mode=mode, reason=reason, created_by=actor
        )
    elif before == (mode, reason):
        return override
    else:
        override.mode, override.reason, override.created_by = mode, reason, actor
        override.save(update_fields=["mode", "reason", "created_by"])
    audit_record(
        action=ControlAction.CUSTOMER_OVERRIDE_SET, actor=actor, target=customer,
        changes=masked_changes({
            "control": (control.reference, control.reference),
            "mode": (before[0], mode.value),
            "reason": (before[1], reason),
        }),
    )
    return override


@transaction.atomic
def customer_remove_override(*, override: CustomerControlOverride, actor) -> None:
    """Drop a per-customer inclusion or exclusion; the control's services decide again."""
    if not actor.has_perm("controls.change_customer"):
        raise PermissionDenied(_("You may not change customers."))
    customer, reference = override.customer, override.control.reference
    changes = {"control": (reference, None), "mode": (override.mode, None), "reason": (override.reason, None)}
    override.delete()
    audit_record(
        action=ControlAction.CUSTOMER_OVERRIDE_REMOVED, actor=actor, target=customer, changes=masked_changes(changes)
    )
