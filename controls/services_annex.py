"""Every write about the TOM annex that the controls app owns: the customer's annex terms, the DPO's decisions on
measures that need attention, each customer's notice of a new version and the customer's answer.

Each write is one transaction with its audit event; emails go out after the commit from a task that takes the
notice's id and sends it once. The export kind's hooks (effective date, notices on publishing, page 1's
"supersedes" and "next review", published versions that now overstate) are here too.
"""

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from controls.annex_changes import describe, in_force, reductions, stated_items
from controls.annex_truth import Standing, facts_for, standing
from controls.attention_text import NEEDS_ATTENTION, NO_EVIDENCE_IN_DATE
from controls.audit_actions import AnnexAction
from controls.exports_annex import TOM_ANNEX, contract_languages, justified_references
from controls.models import Control, Customer
from controls.models_annex import AnnexNotice, AnnexNoticeState, AnnexTerms, AttentionDecision
from controls.services import StaleVersionError, add_months, control_update
from portal.accounts.roles import Role
from portal.audit.services import audit_record, masked_changes
from portal.exports.models import AnnexVersion

TERMS_FIELDS = ("instrument", "module", "planned_measures", "notice_days", "review_months")
TOKEN_SALT = "controls.annex_notice"
PUBLISH_PERMISSION = "exports.publish_annexversion"


def _in_recipients_language(message, values: dict):
    """A lazily translated message formatted when it is read, so a notice is written in its recipient's language."""
    return lazy(lambda: str(message) % values, str)()


def _require_publisher(actor) -> None:
    if not actor.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied(_("Decisions on the TOM annex are reserved to the DPO and administrators."))


def terms_of(customer: Customer) -> AnnexTerms:
    return AnnexTerms.objects.filter(customer=customer).first() or AnnexTerms(customer=customer, version=0)


@transaction.atomic
def annex_terms_update(*, customer: Customer, actor, expected_version: int, **changes: Any) -> AnnexTerms:
    """Which annex the customer's DPA uses, whether planned measures are listed, its notice period and review."""
    if not actor.has_perm("controls.change_customer"):
        raise PermissionDenied(_("You may not change customers."))
    unknown = set(changes) - set(TERMS_FIELDS)
    if unknown:
        raise TypeError(f"annex_terms_update got unknown fields: {sorted(unknown)}")
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    terms = AnnexTerms.objects.select_for_update().filter(customer=customer).first() or AnnexTerms(
        customer=customer, version=0)
    if terms.version != expected_version:
        raise StaleVersionError(_("Someone else changed these terms after you opened them. Reload and try again."))
    if changes.get("instrument", terms.instrument) != AnnexTerms.Instrument.SCC_2021_914 and changes.get("module"):
        raise ValidationError({"module": _("A module applies only to Annex II of the 2021/914 clauses.")})
    if changes.get("instrument", terms.instrument) == AnnexTerms.Instrument.SCC_2021_914 and not changes.get(
            "module", terms.module):
        raise ValidationError({"module": _("Name the module of the 2021/914 clauses the transfer uses.")})
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
    audit_record(action=AnnexAction.TERMS_UPDATED, actor=actor, target=customer, changes=masked_changes(diff))
    return terms


# The DPO's decisions on measures that block publishing --------------------------------------------------------

def _blocked(control: Control) -> bool:
    return standing(control, facts_for([control.pk])) == Standing.BLOCKED


@transaction.atomic
def attention_decision_record(*, control: Control, actor, justification: str) -> AttentionDecision:
    """State a measure as implemented in the annexes although it needs attention, for the reason given."""
    _require_publisher(actor)
    justification = justification.strip()
    if not justification:
        raise ValidationError({"justification": _(
            "Say why the measure may still be stated as implemented; the reason is kept in the audit trail.")})
    locked = Control.objects.select_for_update().get(pk=control.pk)
    if not _blocked(locked):
        raise ValidationError(_("%(reference)s does not need a decision: it can be stated as it is.")
                              % {"reference": locked.reference})
    reason = locked.attention_reason or (
        NEEDS_ATTENTION if locked.status == Control.Status.NEEDS_ATTENTION else NO_EVIDENCE_IN_DATE)
    decision = AttentionDecision.objects.create(
        control=locked, control_version=locked.version, reason_at_decision=reason[:250],
        justification=justification, decided_by=actor,
    )
    audit_record(action=AnnexAction.DECISION_RECORDED, actor=actor, target=locked, changes={
        "status": locked.status, "reason": reason, "justification": justification,
        "control_version": locked.version,
    })
    return decision


def attention_move_to_planned(*, control: Control, actor, planned_for: date | None, expected_version: int) -> Control:
    """Take a measure that needs attention out of the implemented ones: planned, with its target date."""
    _require_publisher(actor)
    if planned_for is None:
        raise ValidationError({"planned_for": _("Give the date by which the measure will be in place.")})
    if planned_for < timezone.localdate():
        raise ValidationError({"planned_for": _("The target date cannot be in the past.")})
    return control_update(control=control, actor=actor, expected_version=expected_version,
                          status=Control.Status.PLANNED, planned_for=planned_for)


# Hooks of the TOM annex export kind ---------------------------------------------------------------------------

def _customer(subject_key: str) -> Customer | None:
    return Customer.objects.filter(slug=subject_key).first() if subject_key else None


def annex_effective_on(subject_key: str, today: date) -> date:
    """The first version of a customer's annex applies from publication; later ones after the notice period."""
    customer = _customer(subject_key)
    if customer is None or not AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=subject_key).exists():
        return today
    return today + timedelta(days=terms_of(customer).notice_days)


def _notices_by_version(subject_key: str) -> dict[int, AnnexNotice]:
    return {n.annex_version_id: n for n in AnnexNotice.objects.filter(
        customer__slug=subject_key, annex_version__kind=TOM_ANNEX)}


def version_in_force(subject_key: str, today: date | None = None, *, before: int | None = None) -> AnnexVersion | None:
    """The version of this subject's annex that applies today (an objected or unconsented one never does);
    with `before`, among the versions numbered lower (the one a version being published supersedes)."""
    versions = AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=subject_key).order_by("-number")
    if before is not None:
        versions = versions.filter(number__lt=before)
    versions = list(versions)
    return in_force(versions, _notices_by_version(subject_key) if subject_key else {}, today)


def notice_token(notice: AnnexNotice) -> str:
    """The secret in a notice's reply link; derived from the server's key, so only its hash is stored."""
    return salted_hmac(TOKEN_SALT, str(notice.public_id), algorithm="sha256").hexdigest()


def annex_on_publish(version: AnnexVersion) -> None:
    """In the publishing transaction: the customer's notice (with what the version takes away) and the audit of
    measures stated on a DPO's justification. The all-customers annex is for download only: nobody is told."""
    justified = justified_references(version.subject_key, version.snapshot)
    if justified:
        decisions = facts_for(list(Control.objects.filter(reference__in=justified).values_list("pk", flat=True)))
        audit_record(action=AnnexAction.STATED_ON_JUSTIFICATION, actor=version.published_by, target=version,
                     target_label=str(version), changes={
                         "references": justified,
                         "justifications": {d.control.reference: d.justification for d in decisions.decided.values()},
                     })
    customer = _customer(version.subject_key)
    if customer is None:
        return
    current = version_in_force(version.subject_key, timezone.localdate(version.published_at), before=version.number)
    notice = AnnexNotice(
        annex_version=version, customer=customer, number=version.number,
        previous_number=current.number if current else None,
        notice_days=(version.effective_on - timezone.localdate(version.published_at)).days,
        takes_effect_on=version.effective_on, reductions=reductions(current.snapshot if current else None,
                                                                    version.snapshot),
        recipient_name=customer.notice_contact_name, recipient_email=customer.notice_contact_email,
    )
    notice.token_sha256 = AnnexNotice.hash_token(notice_token(notice))
    notice.save(force_insert=True)
    from controls.tasks import annex_notice_send_task

    transaction.on_commit(lambda: annex_notice_send_task.delay(notice.pk))


def annex_document_extra(content: dict, version: AnnexVersion | None) -> dict:
    """Page 1's version facts: which version this one supersedes, the notice period and the next review."""
    subject_key = content.get("subject_key", "")
    customer = _customer(subject_key)
    terms = terms_of(customer) if customer else None
    if version is not None:
        notice = AnnexNotice.objects.filter(annex_version_id=version.pk).first() if version.pk else None
        if notice is not None:
            supersedes = notice.previous_number
        elif version.pk:
            supersedes = None
        else:  # being published: the version in force now is the one it will supersede
            current = version_in_force(subject_key, before=version.number)
            supersedes = current.number if current else None
        effective = version.effective_on or timezone.localdate(version.published_at)
    else:
        current = version_in_force(subject_key)
        supersedes = current.number if current else None
        effective = None
    review_months = terms.review_months if terms else 12
    return {
        "supersedes": supersedes,
        "notice_days": terms.notice_days if terms else 0,
        "next_review": add_months(effective or timezone.localdate(), review_months),
    }


def annex_overstated(versions: list[AnnexVersion]) -> dict[int, list[str]]:
    """{version pk: the references it states as implemented that are no longer}, with two queries."""
    stated = {v.pk: stated_items(v.snapshot) for v in versions}
    references = {ref for items in stated.values() for ref in items}
    controls = {c.reference: c for c in Control.objects.filter(reference__in=references).only(
        "reference", "status", "version")}
    facts = facts_for([c.pk for c in controls.values()])
    result = {}
    for pk, items in stated.items():
        false_now = sorted(ref for ref in items
                           if ref not in controls or standing(controls[ref], facts) != Standing.STATED)
        if false_now:
            result[pk] = false_now
    return result


def annex_subject_note(subject_key: str) -> str:
    if subject_key:
        return ""
    return str(gettext_lazy("The annex covering all customers is for download only: publishing it notifies "
                            "nobody. Each customer is told of its own annex, with its notice period."))


def annex_subject_panel(subject_key: str) -> dict:
    customer = _customer(subject_key)
    if customer is None:
        return {}
    notices = list(AnnexNotice.objects.filter(customer=customer).order_by("-number"))
    today = timezone.localdate()
    current = version_in_force(subject_key, today)
    return {"template": "controls/annex/_subject_panel.html", "customer": customer, "terms": terms_of(customer),
            "notices": [(n, n.state(today)) for n in notices], "in_force": current}


# Notices and answers ------------------------------------------------------------------------------------------

def annex_notice_send(*, notice_id: int) -> bool:
    """Email the customer's notice contact: the new version, when it takes effect, the changes, the reply link."""
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string
    from django.urls import reverse

    from portal.exports import storage
    from portal.exports.diffs import readable_diff
    from portal.exports.rendering import content_diff, verify_url

    with transaction.atomic():
        notice = (AnnexNotice.objects.select_for_update(of=("self",)).select_related("annex_version", "customer")
                  .get(pk=notice_id))
        if notice.sent_at is not None:
            return False
        version = notice.annex_version
        previous = (AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=version.subject_key,
                                                number=notice.previous_number).first()
                    if notice.previous_number else None)
        context = {
            "notice": notice, "version": version, "previous": previous, "customer": notice.customer,
            "organisation": settings.ORGANISATION_NAME, "verify_url": verify_url(version.snapshot_sha256),
            "reply_url": settings.SITE_URL + reverse("respond:annex", kwargs={"token": notice_token(notice)}),
            "diff": readable_diff(content_diff(previous.snapshot if previous else None, version.snapshot)),
        }
        subjects, bodies = [], []
        for language in contract_languages(notice.customer.contract_language):
            with translation.override(language):
                context["reductions"] = [describe(r) for r in notice.reductions]
                subjects.append(_("TOM annex version %(number)s for %(customer)s: takes effect on %(date)s") % {
                    "number": version.number, "customer": notice.customer.name,
                    "date": formats.date_format(notice.takes_effect_on, "DATE_FORMAT")})
                bodies.append(render_to_string("controls/email/annex_version_notice.txt", context))
        message = EmailMessage(subject=" / ".join(dict.fromkeys(subjects)), body="\n\n----------\n\n".join(bodies),
                               to=[notice.recipient_email])
        message.attach(version.file_name, storage.read_document(version.file_path,
                                                                purpose=storage.version_purpose(version)),
                       "application/pdf")
        notice.sent_at = timezone.now()
        notice.save(update_fields=["sent_at"])
        audit_record(action=AnnexAction.NOTICE_SENT, actor=None, target=notice.customer, changes={
            "version": version.number, "takes_effect_on": notice.takes_effect_on,
            "reductions": len(notice.reductions)})
        message.send(fail_silently=False)
    return True


def _tell_dpos_of_objection(notice: AnnexNotice) -> None:
    from django.urls import reverse

    from portal.accounts.models import User
    from portal.notifications.services import notice_send

    link = reverse("customers:detail", kwargs={"slug": notice.customer.slug}) + "#annex-heading"
    for dpo in User.objects.filter(groups__name=Role.DPO, is_active=True):
        notice_send(
            recipient=dpo, reason="controls.annex_objection", subject=notice, moment=str(notice.version), link=link,
            title=_in_recipients_language(gettext_lazy("%(customer)s objected to TOM annex version %(number)s"), {
                "customer": notice.customer.name, "number": notice.number}),
            body=notice.response_note,
        )


def _apply_response(notice: AnnexNotice, *, response: str, by_name: str, note: str, via: str, actor) -> AnnexNotice:
    response = AnnexNotice.Response(response)
    by_name, note = by_name.strip(), note.strip()
    today = timezone.localdate()
    errors = {}
    if response == AnnexNotice.Response.NONE:
        errors["response"] = _("Choose an answer.")
    if not by_name:
        errors["by_name"] = _("Give the name of the person answering for the customer.")
    if response == AnnexNotice.Response.OBJECTED and not note:
        errors["note"] = _("Give the reasons for the objection.")
    if response == AnnexNotice.Response.CONSENTED and not notice.reductions:
        errors["response"] = _("This version reduces nothing: acknowledge it or object instead.")
    if errors:
        raise ValidationError(errors)
    state = notice.state(today)
    if state == AnnexNoticeState.OBJECTED:
        if response == AnnexNotice.Response.OBJECTED:
            return notice  # the same objection sent twice (a reload, a second click)
        raise ValidationError(_("An objection is recorded; the processor's DPO will resolve it with you."))
    if notice.response == response and notice.response_by == by_name:
        return notice
    if via == "link" and response == AnnexNotice.Response.OBJECTED and state == AnnexNoticeState.EFFECTIVE:
        raise ValidationError(_("This version is already in force; contact the processor's DPO about it."))
    before = (notice.response, notice.response_by, notice.response_note)
    notice.response, notice.response_by, notice.response_note = response, by_name, note
    notice.response_at, notice.response_via = timezone.now(), via
    notice.objection_withdrawn_at, notice.objection_withdrawn_note = None, ""
    notice.version += 1
    notice.save(update_fields=["response", "response_by", "response_note", "response_at", "response_via",
                               "objection_withdrawn_at", "objection_withdrawn_note", "version"])
    audit_record(
        action=AnnexAction.RESPONSE_RECORDED, actor=actor, target=notice.customer,
        actor_label="" if actor else f"reply link: {notice.customer.slug}",
        changes=masked_changes({
            "annex_version": (notice.number, notice.number), "via": (None, via),
            "response": (before[0], response.value), "response_by": (before[1], by_name),
            "response_note": (before[2], note),
        }, masked=AnnexNotice.audit_masked_fields),
    )
    if response == AnnexNotice.Response.OBJECTED:
        transaction.on_commit(lambda: _tell_dpos_of_objection(notice))
    return notice


@transaction.atomic
def annex_respond_by_link(*, token: str, response: str, by_name: str, note: str = "") -> AnnexNotice:
    """The customer's notice contact answers through the link in the notice."""
    locked = (AnnexNotice.objects.select_for_update(of=("self",)).select_related("customer")
              .filter(token_sha256=AnnexNotice.hash_token(token)).first())
    if locked is None:
        raise LookupError("no annex notice with this token")
    return _apply_response(locked, response=response, by_name=by_name, note=note, via="link", actor=None)


@transaction.atomic
def annex_record_response(*, notice: AnnexNotice, actor, response: str, by_name: str, note: str = "",
                          expected_version: int) -> AnnexNotice:
    """The DPO records an answer that came by letter, email or phone."""
    _require_publisher(actor)
    locked = AnnexNotice.objects.select_for_update(of=("self",)).select_related("customer").get(pk=notice.pk)
    if locked.version != expected_version:
        raise StaleVersionError(_("The customer's answer changed while you were editing. Reload and try again."))
    return _apply_response(locked, response=response, by_name=by_name, note=note, via="recorded", actor=actor)


@transaction.atomic
def annex_withdraw_objection(*, notice: AnnexNotice, actor, note: str, expected_version: int) -> AnnexNotice:
    """The customer withdrew its objection (the DPO records how): the version then applies as announced."""
    _require_publisher(actor)
    note = note.strip()
    if not note:
        raise ValidationError({"note": _("Record how the objection was resolved.")})
    locked = AnnexNotice.objects.select_for_update(of=("self",)).select_related("customer").get(pk=notice.pk)
    if locked.version != expected_version:
        raise StaleVersionError(_("The customer's answer changed while you were editing. Reload and try again."))
    if locked.state() != AnnexNoticeState.OBJECTED:
        raise ValidationError(_("There is no open objection to this version."))
    locked.objection_withdrawn_at, locked.objection_withdrawn_note = timezone.now(), note
    locked.version += 1
    locked.save(update_fields=["objection_withdrawn_at", "objection_withdrawn_note", "version"])
    audit_record(action=AnnexAction.OBJECTION_WITHDRAWN, actor=actor, target=locked.customer,
                 changes={"annex_version": locked.number, "note": note})
    return locked


def annex_notify_overstated(*, today: date | None = None) -> int:
    """Tell every DPO, once per change, of each version in force that states a measure no longer true."""
    from portal.accounts.models import User
    from portal.exports.selectors import subject_to_url
    from portal.notifications.services import notice_send

    today = today or timezone.localdate()
    subjects = set(AnnexVersion.objects.filter(kind=TOM_ANNEX).values_list("subject_key", flat=True))
    current = [v for v in (version_in_force(key, today) for key in sorted(subjects)) if v is not None]
    overstated = annex_overstated(current)
    if not overstated:
        return 0
    dpos = list(User.objects.filter(groups__name=Role.DPO, is_active=True))
    versions = {v.pk: v for v in current}
    sent = 0
    from django.urls import reverse

    for pk, references in overstated.items():
        version = versions[pk]
        link = reverse("exports:annex_detail", kwargs={"kind": TOM_ANNEX,
                                                       "subject": subject_to_url(version.subject_key)})
        for dpo in dpos:
            sent += notice_send(
                recipient=dpo, reason="controls.annex_overstated", subject=version, moment=",".join(references),
                link=link, title=_in_recipients_language(
                    gettext_lazy("TOM annex version %(number)s for %(subject)s states as implemented what no longer "
                                 "is: %(refs)s"),
                    {"number": version.number, "subject": version.subject_label, "refs": ", ".join(references)}),
            )
    return sent
