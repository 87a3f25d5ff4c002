"""Every write to the sub-processor register, its changes and the customers' answers.

Each function is one transaction with one audit event. Notices are emailed after the commit, by a task
that takes the notice's id and sends it once.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from controls.audit_actions import SubProcessorAction
from controls.models import Customer, Service
from controls.models_subprocessors import (
    ChangeNotice,
    ServiceSubProcessor,
    SubProcessor,
    SubProcessorChange,
    SubProcessorTerms,
)
from controls.services import StaleVersionError, _m2m_labels, add_months
from portal.audit.services import audit_record, masked_changes

SUBPROCESSOR_FIELDS = (
    "slug", "legal_name", "address", "contact_name", "contact_email", "service_performed", "locations",
    "transfer_mechanism", "scc_module", "transfer_details", "measures", "dpa_reference", "dpa_evidence",
    "certification", "certification_evidence", "next_assessment_due", "assessment_cadence_months", "owner",
)
TERMS_FIELDS = ("authorisation", "notice_days", "controller_address", "controller_representative", "controller_dpo")
TOKEN_SALT = "controls.subprocessor_notice"


def _require(actor, permission: str) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(_("You may not change the sub-processor register."))


def _value(value: Any) -> Any:
    return str(value) if hasattr(value, "pk") else value


@transaction.atomic
def subprocessor_create(*, actor, performed_controls=(), **fields: Any) -> SubProcessor:
    """Add a sub-processor to the register; it is used by no service until a change announces it."""
    _require(actor, "controls.add_subprocessor")
    unknown = set(fields) - set(SUBPROCESSOR_FIELDS) - {"last_assessed_on"}
    if unknown:
        raise TypeError(f"subprocessor_create got unknown fields: {sorted(unknown)}")
    subprocessor = SubProcessor(**fields)
    if subprocessor.last_assessed_on and not subprocessor.next_assessment_due:
        subprocessor.next_assessment_due = add_months(subprocessor.last_assessed_on,
                                                      subprocessor.assessment_cadence_months)
    # full_clean refuses locations outside the EEA without a transfer mechanism (SubProcessor.clean).
    subprocessor.full_clean()
    subprocessor.save()
    subprocessor.performed_controls.set(performed_controls)
    audit_record(
        action=SubProcessorAction.CREATED, actor=actor, target=subprocessor,
        changes={"legal_name": subprocessor.legal_name, "locations": subprocessor.location_text(),
                 "transfer_mechanism": subprocessor.transfer_mechanism,
                 "performed_controls": _m2m_labels(performed_controls)},
    )
    return subprocessor


@transaction.atomic
def subprocessor_update(*, subprocessor: SubProcessor, actor, expected_version: int, **changes: Any) -> SubProcessor:
    """Change register fields; refused when someone else saved since the form was read."""
    _require(actor, "controls.change_subprocessor")
    unknown = set(changes) - set(SUBPROCESSOR_FIELDS) - {"performed_controls"}
    if unknown:
        raise TypeError(f"subprocessor_update got unknown fields: {sorted(unknown)}")
    locked = SubProcessor.objects.select_for_update().get(pk=subprocessor.pk)
    if locked.version != expected_version:
        raise StaleVersionError(
            _("Someone else changed this sub-processor after you opened it. Nothing was saved: reload and try again.")
        )
    diff = {}
    for name in SUBPROCESSOR_FIELDS:
        if name in changes and getattr(locked, name) != changes[name]:
            diff[name] = (_value(getattr(locked, name)), _value(changes[name]))
            setattr(locked, name, changes[name])
    new_controls = None
    if "performed_controls" in changes:
        before, after = list(locked.performed_controls.all()), list(changes["performed_controls"])
        if {c.pk for c in before} != {c.pk for c in after}:
            diff["performed_controls"] = (_m2m_labels(before), _m2m_labels(after))
            new_controls = after
    if not diff:
        return locked
    locked.full_clean()
    locked.version += 1
    locked.save(update_fields=[*[n for n in SUBPROCESSOR_FIELDS if n in diff], "version"])
    if new_controls is not None:
        locked.performed_controls.set(new_controls)
    audit_record(action=SubProcessorAction.UPDATED, actor=actor, target=locked, changes=masked_changes(diff))
    return locked


@transaction.atomic
def subprocessor_record_assessment(*, subprocessor: SubProcessor, actor, assessed_on: date, notes: str) -> SubProcessor:
    """Record an assessment of the sub-processor; the next one falls due after its cadence."""
    _require(actor, "controls.change_subprocessor")
    notes = notes.strip()
    if not notes:
        raise ValidationError({"notes": _("Say what was assessed and with what result.")})
    if assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("An assessment cannot be recorded for a future date.")})
    locked = SubProcessor.objects.select_for_update().get(pk=subprocessor.pk)
    before = (locked.last_assessed_on, locked.next_assessment_due)
    locked.last_assessed_on = assessed_on
    locked.next_assessment_due = add_months(assessed_on, locked.assessment_cadence_months)
    locked.version += 1
    locked.save(update_fields=["last_assessed_on", "next_assessment_due", "version"])
    audit_record(action=SubProcessorAction.ASSESSED, actor=actor, target=locked, changes=masked_changes({
        "last_assessed_on": (before[0], assessed_on), "next_assessment_due": (before[1], locked.next_assessment_due),
        "notes": (None, notes),
    }))
    return locked


def notice_token(notice: ChangeNotice) -> str:
    """The secret in a notice's reply link; derived from the server's key, so only its hash is stored."""
    return salted_hmac(TOKEN_SALT, str(notice.public_id), algorithm="sha256").hexdigest()


def _terms(customer_ids) -> dict[int, SubProcessorTerms]:
    found = {t.customer_id: t for t in SubProcessorTerms.objects.filter(customer_id__in=customer_ids)}
    return {pk: found.get(pk) or SubProcessorTerms(customer_id=pk) for pk in customer_ids}


@transaction.atomic
def subprocessor_change_open(
    *, actor, subprocessor: SubProcessor, kind: str, services, reason: str, planned_from: date,
    replaces: SubProcessor | None = None,
) -> SubProcessorChange:
    """Announce an addition or replacement: one notice per affected customer, each with its own notice period.

    The change takes effect for a customer at the later of the planned date and the end of that customer's
    notice period; until then (and while an objection is open, or specific approval is missing) the
    sub-processor is not used for that customer's data.
    """
    _require(actor, "controls.manage_subprocessor_change")
    kind = SubProcessorChange.Kind(kind)
    services = list(services)
    reason = reason.strip()
    today = timezone.localdate()
    errors = {}
    if not services:
        errors["services"] = _("Choose the services that will use the sub-processor.")
    if not reason:
        errors["reason"] = _("Say why the sub-processor is added or replaced; the customers are told.")
    if planned_from < today:
        errors["planned_from"] = _("The planned date cannot be in the past.")
    if kind == SubProcessorChange.Kind.REPLACEMENT and replaces is None:
        errors["replaces"] = _("Choose the sub-processor that is replaced.")
    if replaces is not None and replaces.pk == subprocessor.pk:
        errors["replaces"] = _("A sub-processor cannot replace itself.")
    if kind == SubProcessorChange.Kind.ADDITION and replaces is not None:
        errors["replaces"] = _("An addition replaces nobody; choose a replacement instead.")
    if errors:
        raise ValidationError(errors)
    locked = SubProcessor.objects.select_for_update().get(pk=subprocessor.pk)
    if locked.status != SubProcessor.Status.ACTIVE:
        raise ValidationError(_("A retired sub-processor cannot be announced."))
    locked.full_clean()  # the register entry must still be complete (a transfer mechanism outside the EEA)
    taken = ServiceSubProcessor.objects.filter(subprocessor=locked, service__in=services).select_related("service")
    if taken:
        raise ValidationError({"services": _("%(sp)s already serves %(services)s.") % {
            "sp": locked, "services": ", ".join(sorted(link.service.name for link in taken))}})
    change = SubProcessorChange.objects.create(
        kind=kind, subprocessor=locked, replaces=replaces, reason=reason, planned_from=planned_from, created_by=actor,
    )
    change.services.set(services)
    ServiceSubProcessor.objects.bulk_create(
        [ServiceSubProcessor(service=s, subprocessor=locked, change=change) for s in services]
    )
    customers = list(
        Customer.objects.filter(is_active=True, services__in=services).distinct().order_by("name")
    )
    terms = _terms([c.pk for c in customers])
    notices = []
    for customer in customers:
        term = terms[customer.pk]
        notice = ChangeNotice(
            change=change, customer=customer, authorisation=term.authorisation, notice_days=term.notice_days,
            takes_effect_on=max(planned_from, today + timedelta(days=term.notice_days)),
            recipient_name=customer.notice_contact_name, recipient_email=customer.notice_contact_email,
        )
        notice.token_sha256 = ChangeNotice.hash_token(notice_token(notice))
        notices.append(notice)
    ChangeNotice.objects.bulk_create(notices)
    audit_record(action=SubProcessorAction.CHANGE_ANNOUNCED, actor=actor, target=change, changes={
        "kind": kind.value, "subprocessor": locked.legal_name, "replaces": str(replaces) if replaces else None,
        "services": _m2m_labels(services), "planned_from": planned_from, "notices": len(notices),
        "customers": [c.slug for c in customers],
    })
    notice_ids = list(ChangeNotice.objects.filter(change=change).values_list("pk", flat=True))
    from controls.tasks_subprocessors import change_notice_send_task

    transaction.on_commit(lambda: [change_notice_send_task.delay(pk) for pk in notice_ids])
    return change


@transaction.atomic
def subprocessor_record_existing_use(*, actor, subprocessor: SubProcessor, services, reason: str) -> list[Service]:
    """Record that services already use a sub-processor under the contracts signed (no notice is sent)."""
    _require(actor, "controls.manage_subprocessor_change")
    services = list(services)
    reason = reason.strip()
    if not services:
        raise ValidationError({"services": _("Choose the services that use the sub-processor.")})
    if not reason:
        raise ValidationError({"reason": _("Say where the customers agreed to it, for example the DPA's list.")})
    locked = SubProcessor.objects.select_for_update().get(pk=subprocessor.pk)
    locked.full_clean()
    existing = set(ServiceSubProcessor.objects.filter(subprocessor=locked).values_list("service_id", flat=True))
    new = [s for s in services if s.pk not in existing]
    if not new:
        raise ValidationError({"services": _("These services already use this sub-processor.")})
    ServiceSubProcessor.objects.bulk_create([ServiceSubProcessor(service=s, subprocessor=locked) for s in new])
    audit_record(action=SubProcessorAction.USE_RECORDED, actor=actor, target=locked,
                 changes={"services": _m2m_labels(new), "reason": reason})
    return new


@transaction.atomic
def subprocessor_change_withdraw(*, change: SubProcessorChange, actor, reason: str) -> SubProcessorChange:
    """Call a change off: the sub-processor is used for nobody through it; the customers' answers stay recorded."""
    _require(actor, "controls.manage_subprocessor_change")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the change is withdrawn.")})
    locked = SubProcessorChange.objects.select_for_update().get(pk=change.pk)
    if locked.status == SubProcessorChange.Status.WITHDRAWN:
        return locked
    locked.status = SubProcessorChange.Status.WITHDRAWN
    locked.save(update_fields=["status"])
    removed = ServiceSubProcessor.objects.filter(change=locked).delete()[0]
    audit_record(action=SubProcessorAction.CHANGE_WITHDRAWN, actor=actor, target=locked,
                 changes={"reason": reason, "service_links_removed": removed})
    return locked


RESPONSES_BY_LINK = (ChangeNotice.Response.ACKNOWLEDGED, ChangeNotice.Response.OBJECTED, ChangeNotice.Response.APPROVED)


def _apply_response(notice: ChangeNotice, *, response: str, by_name: str, note: str, via: str, actor) -> ChangeNotice:
    response = ChangeNotice.Response(response)
    by_name, note = by_name.strip(), note.strip()
    today = timezone.localdate()
    errors = {}
    if response == ChangeNotice.Response.NONE:
        errors["response"] = _("Choose an answer.")
    if not by_name:
        errors["by_name"] = _("Give the name of the person answering for the customer.")
    if response == ChangeNotice.Response.OBJECTED and not note:
        errors["note"] = _("Give the reasons for the objection.")
    if response == ChangeNotice.Response.APPROVED and notice.authorisation != SubProcessorTerms.Authorisation.SPECIFIC:
        errors["response"] = _("This customer gave general authorisation: acknowledge or object instead.")
    if errors:
        raise ValidationError(errors)
    if notice.change.status == SubProcessorChange.Status.WITHDRAWN:
        raise ValidationError(_("This change was withdrawn; no answer is needed."))
    if notice.resolution:
        raise ValidationError(_("The objection has already been resolved; contact the processor's DPO."))
    if notice.response == ChangeNotice.Response.OBJECTED:
        if response == ChangeNotice.Response.OBJECTED:
            return notice  # the same objection sent twice (a reload, a second click)
        raise ValidationError(_("An objection is recorded; the processor's DPO will resolve it with you."))
    if notice.response == response and notice.response_by == by_name:
        return notice
    if via == "link" and response == ChangeNotice.Response.OBJECTED and today >= notice.takes_effect_on:
        raise ValidationError(_("The notice period has ended; contact the processor's DPO about this change."))
    before = {"response": notice.response, "response_by": notice.response_by, "response_note": notice.response_note}
    notice.response, notice.response_by, notice.response_note = response, by_name, note
    notice.response_at, notice.response_via = timezone.now(), via
    notice.version += 1
    notice.save(update_fields=["response", "response_by", "response_note", "response_at", "response_via", "version"])
    audit_record(
        action=SubProcessorAction.RESPONSE_RECORDED, actor=actor, target=notice,
        actor_label="" if actor else f"reply link: {notice.customer.slug}",
        changes=masked_changes({
            "customer": (notice.customer.slug, notice.customer.slug), "via": (None, via),
            "response": (before["response"], response.value), "response_by": (before["response_by"], by_name),
            "response_note": (before["response_note"], note),
        }, masked=ChangeNotice.audit_masked_fields),
    )
    return notice


@transaction.atomic
def notice_respond_by_link(*, token: str, response: str, by_name: str, note: str = "") -> ChangeNotice:
    """The customer's notice contact answers through the link in the notice."""
    locked = (
        ChangeNotice.objects.select_for_update(of=("self",)).select_related("change", "customer")
        .filter(token_sha256=ChangeNotice.hash_token(token)).first()
    )
    if locked is None:
        raise LookupError("no notice with this token")
    return _apply_response(locked, response=response, by_name=by_name, note=note, via="link", actor=None)


@transaction.atomic
def notice_record_response(*, notice: ChangeNotice, actor, response: str, by_name: str, note: str = "",
                           expected_version: int) -> ChangeNotice:
    """The DPO records an answer that arrived by email, letter or phone (a written approval, an objection...)."""
    _require(actor, "controls.manage_subprocessor_change")
    locked = ChangeNotice.objects.select_for_update(of=("self",)).select_related("change", "customer").get(pk=notice.pk)
    if locked.version != expected_version:
        raise StaleVersionError(_("The customer's answer changed while you were editing. Reload and try again."))
    return _apply_response(locked, response=response, by_name=by_name, note=note, via="recorded", actor=actor)


@transaction.atomic
def notice_resolve_objection(*, notice: ChangeNotice, actor, resolution: str, note: str,
                             expected_version: int) -> ChangeNotice:
    """The DPO resolves an objection: withdrawn by the customer (the change applies) or the customer excluded."""
    _require(actor, "controls.manage_subprocessor_change")
    resolution = ChangeNotice.Resolution(resolution)
    note = note.strip()
    if resolution == ChangeNotice.Resolution.NONE:
        raise ValidationError({"resolution": _("Choose how the objection was resolved.")})
    if not note:
        raise ValidationError({"note": _("Record how the objection was resolved.")})
    locked = ChangeNotice.objects.select_for_update(of=("self",)).select_related("change", "customer").get(pk=notice.pk)
    if locked.version != expected_version:
        raise StaleVersionError(_("The customer's answer changed while you were editing. Reload and try again."))
    if locked.response != ChangeNotice.Response.OBJECTED:
        raise ValidationError(_("There is no objection to resolve."))
    if locked.resolution:
        raise ValidationError(_("This objection has already been resolved."))
    locked.resolution, locked.resolution_note = resolution, note
    locked.resolved_at, locked.resolved_by = timezone.now(), actor
    locked.version += 1
    locked.save(update_fields=["resolution", "resolution_note", "resolved_at", "resolved_by", "version"])
    audit_record(action=SubProcessorAction.OBJECTION_RESOLVED, actor=actor, target=locked, changes={
        "customer": locked.customer.slug, "resolution": resolution.value, "note": note,
    })
    return locked


@transaction.atomic
def subprocessor_terms_update(*, customer: Customer, actor, expected_version: int, **changes: Any) -> SubProcessorTerms:
    """A customer's authorisation type, notice period and controller details for the record."""
    _require(actor, "controls.change_customer")
    unknown = set(changes) - set(TERMS_FIELDS)
    if unknown:
        raise TypeError(f"subprocessor_terms_update got unknown fields: {sorted(unknown)}")
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    terms = SubProcessorTerms.objects.select_for_update().filter(customer=customer).first()
    if terms is None:
        terms = SubProcessorTerms(customer=customer, version=0)
    if terms.version != expected_version:
        raise StaleVersionError(_("Someone else changed these terms after you opened them. Reload and try again."))
    diff = {}
    for name in TERMS_FIELDS:
        if name in changes and getattr(terms, name) != changes[name]:
            diff[name] = (getattr(terms, name), changes[name])
            setattr(terms, name, changes[name])
    if not diff and terms.pk:
        return terms
    terms.full_clean(exclude=["customer"])
    terms.version += 1
    terms.save()
    audit_record(action=SubProcessorAction.TERMS_UPDATED, actor=actor, target=customer,
                 changes=masked_changes(diff, masked=SubProcessorTerms.audit_masked_fields))
    return terms


def change_notice_send(*, notice_id: int) -> bool:
    """Email one customer's notice of a change, with its reply link. Sent once; a retry after a failure resends."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse

    with transaction.atomic():
        notice = (
            ChangeNotice.objects.select_for_update(of=("self",))
            .select_related("change__subprocessor", "change__replaces", "customer").get(pk=notice_id)
        )
        if notice.sent_at is not None or notice.change.status == SubProcessorChange.Status.WITHDRAWN:
            return False
        change = notice.change
        customer_services = set(notice.customer.services.values_list("pk", flat=True))
        context = {
            "notice": notice, "change": change, "subprocessor": change.subprocessor, "customer": notice.customer,
            "services": [s for s in change.services.order_by("name") if s.pk in customer_services],
            "organisation": settings.ORGANISATION_NAME,
            "reply_url": settings.SITE_URL + reverse("respond:subprocessor", kwargs={"token": notice_token(notice)}),
            "is_specific": notice.authorisation == SubProcessorTerms.Authorisation.SPECIFIC,
        }
        # In the customer's contract language; a bilingual contract gets the German notice, then the English one.
        subjects, bodies = [], []
        for language in notice.customer.languages:
            with translation.override(language):
                subjects.append(_("Sub-processor change: %(change)s (from %(date)s)") % {
                    "change": change, "date": formats.date_format(notice.takes_effect_on, "DATE_FORMAT")})
                bodies.append(render_to_string("controls/email/subprocessor_change_notice.txt", context))
        message = EmailMessage(subject=" / ".join(dict.fromkeys(subjects)), body="\n\n----------\n\n".join(bodies),
                               to=[notice.recipient_email])
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
        audit_record(action=SubProcessorAction.NOTICE_SENT, actor=None, target=notice,
                     changes={"customer": notice.customer.slug, "takes_effect_on": notice.takes_effect_on})
        # Sent last: a failure rolls the mark back and the task retries.
        message.send(fail_silently=False)
    return True
