"""End of a contract (Art. 28(3)(g) GDPR, clause 10(d) SCC): return or delete a controller's data, system by system.

The domain app that keeps the customers starts an offboarding with the customer's details; the steps
are the systems that the policy register marks as holding customer data. Each step is confirmed with
evidence; the offboarding completes only when every step is, and then the certificate to the customer
is issued through the export framework (portal/retention/certificates.py).
"""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.services import audit_record
from portal.retention.audit_actions import RetentionAction
from portal.retention.models import Offboarding, OffboardingStep, RetentionPolicy

PERMISSION = "retention.change_offboarding"


def _check(actor) -> None:
    if not actor.has_perm(PERMISSION):
        raise PermissionDenied(_("Offboarding customers is reserved to the DPO and administrators."))


def offboarding_for(obj: models.Model) -> Offboarding | None:
    return Offboarding.objects.filter(content_type=ContentType.objects.get_for_model(obj),
                                      object_id=str(obj.pk)).first()


@transaction.atomic
def offboarding_start(
    *, subject: models.Model, subject_key: str, contract_reference: str, contact_name: str, contact_email: str,
    contract_ends_on: date | None, choice: str, actor,
) -> Offboarding:
    """Open the checklist for one controller: one step per system that holds customer data."""
    _check(actor)
    if contract_ends_on is None:
        raise ValidationError(_("Record the contract's end date first."))
    if choice not in Offboarding.Choice.values:
        raise ValidationError(_("Record the controller's choice first: return the data, or delete it."))
    policies = list(RetentionPolicy.objects.filter(covers_customer_data=True).order_by("system", "data_category"))
    if not policies:
        raise ValidationError(_("No policy in the retention register is marked as holding customer data; "
                                "mark the systems that do, then start the offboarding."))
    try:
        with transaction.atomic():
            offboarding = Offboarding.objects.create(
                content_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk),
                subject_label=str(subject)[:254], subject_key=subject_key, contract_reference=contract_reference,
                contact_name=contact_name, contact_email=contact_email, contract_ends_on=contract_ends_on,
                choice=choice, started_by=actor,
            )
    except IntegrityError:
        raise ValidationError(_("The offboarding of %(subject)s has already started.") % {"subject": subject}) \
            from None
    OffboardingStep.objects.bulk_create([
        OffboardingStep(offboarding=offboarding, position=n, system=policy.system,
                        data_category=policy.data_category, policy_key=policy.key)
        for n, policy in enumerate(policies, start=1)
    ])
    audit_record(action=RetentionAction.OFFBOARDING_STARTED, actor=actor, target=offboarding,
                 changes={"choice": choice, "contract_ends_on": contract_ends_on.isoformat(), "steps": len(policies)})
    return offboarding


@transaction.atomic
def offboarding_confirm_step(*, step: OffboardingStep, evidence: str, actor) -> OffboardingStep:
    """Confirm that one system's data was returned or deleted, with the evidence of it."""
    _check(actor)
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Describe the evidence: the ticket, the log excerpt, the receipt.")})
    locked = OffboardingStep.objects.select_for_update().select_related("offboarding").get(pk=step.pk)
    if locked.offboarding.is_done:
        raise ValidationError(_("This offboarding is complete; its steps can no longer change."))
    if locked.is_confirmed:
        raise ValidationError(_("This step was already confirmed."))
    locked.evidence, locked.confirmed_at, locked.confirmed_by = evidence, timezone.now(), actor
    locked.save(update_fields=["evidence", "confirmed_at", "confirmed_by"])
    audit_record(action=RetentionAction.OFFBOARDING_STEP_CONFIRMED, actor=actor, target=locked.offboarding,
                 changes={"step": locked.position, "system": locked.system})
    return locked


@transaction.atomic
def offboarding_complete(*, offboarding: Offboarding, actor) -> Offboarding:
    """Close the offboarding once every step is confirmed; the customer's certificate follows."""
    _check(actor)
    locked = Offboarding.objects.select_for_update().get(pk=offboarding.pk)
    if locked.is_done:
        raise ValidationError(_("This offboarding is already complete."))
    open_steps = list(locked.steps.filter(confirmed_at__isnull=True).values_list("system", flat=True))
    if open_steps:
        raise ValidationError(_("Confirm every step first; still open: %(systems)s.") % {
            "systems": ", ".join(open_steps)})
    locked.status, locked.finished_at = Offboarding.Status.DONE, timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "finished_at", "version"])
    audit_record(action=RetentionAction.OFFBOARDING_COMPLETED, actor=actor, target=locked,
                 changes={"steps": locked.steps.count()})
    from portal.retention.tasks import offboarding_certify_task

    transaction.on_commit(lambda: offboarding_certify_task.delay(locked.pk, actor.pk))
    return locked
