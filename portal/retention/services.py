"""Every write of retention outside the purge engine: the policy register, legal holds, offboardings."""

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import audit_record, diff_fields
from portal.retention.audit_actions import RetentionAction
from portal.retention.models import LegalHold, RetentionPolicy, RetentionRun
from portal.retention.registry import targets

POLICY_FIELDS = (
    "data_category", "system", "purpose", "legal_basis", "period_months", "counts_from", "action", "owner",
    "review_cadence_months", "next_review_due", "control_reference", "covers_customer_data", "notes",
)


def _next_review(today, months: int):
    return today + relativedelta(months=months)


@transaction.atomic
def policy_create(*, actor, key: str, **fields) -> RetentionPolicy:
    """Add a policy to the register."""
    if RetentionPolicy.objects.filter(key=key).exists():
        raise ValidationError({"key": _("A policy with this key exists already.")})
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    policy = RetentionPolicy(key=key, **fields)
    if policy.next_review_due is None:
        policy.next_review_due = _next_review(timezone.localdate(), policy.review_cadence_months)
    policy.full_clean()
    policy.save(force_insert=True)
    audit_record(action=RetentionAction.POLICY_CREATED, actor=actor, target=policy,
                 changes={"key": key, "period_months": policy.period_months, "action": policy.action})
    return policy


@transaction.atomic
def policy_update(*, policy: RetentionPolicy, actor, expected_version: int, **fields) -> RetentionPolicy:
    """Change a policy; refused if someone else saved it since the form was loaded."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    locked = RetentionPolicy.objects.select_for_update().get(pk=policy.pk)
    if locked.version != expected_version:
        raise ValidationError(_("Someone else changed this policy while you were editing it. "
                                "Reload the page to see their changes, then edit again."))
    before = {name: getattr(locked, name) for name in fields}
    for name, value in fields.items():
        setattr(locked, name, value)
    changes = diff_fields(locked, before, fields)
    if not changes:
        return locked
    locked.full_clean()
    locked.version += 1
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*fields, "version", "updated_at"])
    audit_record(action=RetentionAction.POLICY_UPDATED, actor=actor, target=locked,
                 changes={name: (_jsonable(old), _jsonable(new)) for name, (old, new) in changes.items()})
    return locked


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    return value


@transaction.atomic
def policy_record_review(*, policy: RetentionPolicy, actor) -> RetentionPolicy:
    """The owner or DPO confirmed the policy still holds: the next review moves one cadence on."""
    locked = RetentionPolicy.objects.select_for_update().get(pk=policy.pk)
    today = timezone.localdate()
    before = locked.next_review_due
    locked.last_reviewed_on = today
    locked.next_review_due = _next_review(today, locked.review_cadence_months)
    locked.version += 1
    locked.save(update_fields=["last_reviewed_on", "next_review_due", "version"])
    audit_record(action=RetentionAction.POLICY_REVIEWED, actor=actor, target=locked,
                 changes={"next_review_due": (before, locked.next_review_due)})
    return locked


@transaction.atomic
def policies_add_defaults(*, actor) -> list[RetentionPolicy]:
    """Add the policies that registered targets name and the register lacks, with the targets' defaults."""
    existing = set(RetentionPolicy.objects.values_list("key", flat=True))
    created = []
    for target in targets():
        if target.policy in existing or target.default is None:
            continue
        d = target.default
        created.append(policy_create(
            actor=actor, key=target.policy, data_category=str(d.data_category), system=str(d.system),
            purpose=str(d.purpose), legal_basis=str(d.legal_basis), period_months=d.period_months,
            counts_from=d.counts_from, action=d.action, control_reference=d.control_reference,
            covers_customer_data=d.covers_customer_data, owner=actor if getattr(actor, "pk", None) else None,
        ))
        existing.add(target.policy)
    return created


@transaction.atomic
def legal_hold_set(*, obj: models.Model, reason: str, actor) -> LegalHold:
    """Put one record under a legal hold: no purge touches it, or anything linked to it, until released."""
    if not actor.has_perm("retention.set_legal_hold"):
        raise PermissionDenied(_("Setting legal holds is reserved to the DPO and administrators."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold (the claim, the request, the case).")})
    content_type = ContentType.objects.get_for_model(obj)
    if LegalHold.objects.filter(content_type=content_type, object_id=str(obj.pk), released_at__isnull=True).exists():
        raise ValidationError(_("%(record)s is already under a legal hold.") % {"record": obj})
    try:
        with transaction.atomic():
            # A running purge reads the holds under its run's lock before each batch (engine._run_target): taking
            # that lock first means the batch under way finishes before the hold exists, and the next one sees it.
            list(RetentionRun.objects.select_for_update().filter(status=RetentionRun.Status.RUNNING).values("pk"))
            if not type(obj)._default_manager.filter(pk=obj.pk).exists():
                raise ValidationError(_("%(record)s no longer exists: its retention period had ended.")
                                      % {"record": obj})
            hold = LegalHold.objects.create(content_type=content_type, object_id=str(obj.pk),
                                            object_label=str(obj)[:254], reason=reason, set_by=actor)
    except IntegrityError:
        raise ValidationError(_("%(record)s is already under a legal hold.") % {"record": obj}) from None
    audit_record(action=RetentionAction.HOLD_SET, actor=actor, target=obj,
                 changes={"hold": hold.pk, "reason": reason})
    return hold


@transaction.atomic
def legal_hold_release(*, hold: LegalHold, reason: str, actor) -> LegalHold:
    """Lift a hold; the records it kept follow their policies again from the next run."""
    if not actor.has_perm("retention.set_legal_hold"):
        raise PermissionDenied(_("Releasing legal holds is reserved to the DPO and administrators."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the hold is no longer needed.")})
    locked = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if locked.released_at is not None:
        raise ValidationError(_("This hold was already released."))
    locked.released_at, locked.released_by, locked.release_reason = timezone.now(), actor, reason
    locked.save(update_fields=["released_at", "released_by", "release_reason"])
    audit_record(action=RetentionAction.HOLD_RELEASED, actor=actor, target_type=f"{locked.content_type.app_label}."
                 f"{locked.content_type.model}", target_id=locked.object_id, target_label=locked.object_label,
                 changes={"hold": locked.pk, "reason": reason})
    return locked


EXPORT_COLUMNS = (
    "key", "data_category", "system", "purpose", "legal_basis", "period_months", "counts_from", "action", "owner",
    "review_cadence_months", "last_reviewed_on", "next_review_due", "control_reference", "covers_customer_data",
)


def export_row(policy: RetentionPolicy) -> list:
    from portal.core.spreadsheet import safe_cell

    values = [
        policy.key, policy.data_category, policy.system, policy.purpose, policy.legal_basis, policy.period_months,
        policy.get_counts_from_display(), policy.get_action_display(),
        policy.owner.email if policy.owner else "", policy.review_cadence_months,
        policy.last_reviewed_on.isoformat() if policy.last_reviewed_on else "",
        policy.next_review_due.isoformat() if policy.next_review_due else "", policy.control_reference,
        "yes" if policy.covers_customer_data else "no",
    ]
    return [safe_cell(str(value)) if isinstance(value, str) or not isinstance(value, int) else value
            for value in values]


def register_csv(policies) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for policy in policies:
        writer.writerow(export_row(policy))
    return "\ufeff" + out.getvalue()


def register_xlsx(policies) -> bytes:
    import io

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Retention policies")
    sheet.append(list(EXPORT_COLUMNS))
    for policy in policies:
        sheet.append(export_row(policy))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def policy_register_export(*, actor, fmt: str, count: int) -> None:
    audit_record(action=RetentionAction.POLICIES_EXPORTED, actor=actor, target_type="retention.retentionpolicy",
                 target_label="Retention policy register", changes={"format": fmt, "rows": count})
