"""Reminders for control reviews: the owner is reminded 14, 7 and 1 days before the review date and
1 day after it; a review still missing a week later also goes to the owner's manager and every DPO.
Evidence about to expire: the control's owner is reminded 30, 7 and 1 days before its validity ends."""

from django.db.models import Q
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from controls.models import Control, Customer, Evidence
from portal.accounts.roles import Role, user_has_role
from portal.core.links import cached_reverse, cached_reverser
from portal.notifications.registry import ReminderRule, Row, register


def _open_controls():
    return Control.objects.exclude(status=Control.Status.RETIRED).filter(owner__isnull=False)


def _link(control: Row) -> str:
    return cached_reverser("controls:detail")(control.pk)


def _title(control: Row, days: int) -> str:
    name = f"{control.reference} {control.title}"
    if days < 0:
        return ngettext("Review of %(control)s is due in %(days)d day",
                        "Review of %(control)s is due in %(days)d days", -days) % {"control": name, "days": -days}
    if days == 0:
        return gettext("Review of %(control)s is due today") % {"control": name}
    return ngettext("Review of %(control)s is overdue by %(days)d day",
                    "Review of %(control)s is overdue by %(days)d days", days) % {"control": name, "days": days}


# One rule for before and after the date, so a sweep that catches up after an outage sends only the
# latest moment ("overdue by 3 days"), never a stale "due tomorrow" alongside it.
REVIEW_DUE = register(ReminderRule(
    name="controls.review_due",
    description=_("A control review is due."),
    queryset=_open_controls,
    date_field="next_review_due",
    offsets=(-14, -7, -1, 1, 7),
    fields=("reference", "title", "owner_id", "owner__manager_id"),
    recipients=lambda control: [control.owner_id],
    title=_title,
    escalate_to=lambda control: [control.owner__manager_id, Role.DPO],
    escalate_from=7,
    link=_link,
    calendar_filter=lambda user: Q(owner=user),
    calendar_title=lambda control: gettext("Review due: %(reference)s %(title)s")
    % {"reference": control.reference, "title": control.title},
))


def _expiring_evidence():
    return Evidence.objects.filter(
        removed_at__isnull=True, valid_until__isnull=False, control__owner__isnull=False
    ).exclude(control__status=Control.Status.RETIRED)


def _evidence_title(evidence: Row, offset: int) -> str:
    days = abs(offset)
    return ngettext("Evidence “%(title)s” for %(reference)s expires in %(days)d day",
                    "Evidence “%(title)s” for %(reference)s expires in %(days)d days", days) % {
        "title": evidence.title, "reference": evidence.control__reference, "days": days}


EVIDENCE_EXPIRING = register(ReminderRule(
    name="controls.evidence_expiring",
    description=_("Evidence of a control is about to expire; add current evidence so the control stays evidenced."),
    queryset=_expiring_evidence,
    date_field="valid_until",
    offsets=(-30, -7, -1),
    fields=("title", "control_id", "control__reference", "control__owner_id"),
    recipients=lambda evidence: [evidence.control__owner_id],
    title=_evidence_title,
    link=lambda evidence: cached_reverser("controls:detail")(evidence.control_id),
    calendar_filter=lambda user: Q(control__owner=user),
    calendar_title=lambda evidence: gettext("Evidence expires: %(reference)s %(title)s")
    % {"reference": evidence.control__reference, "title": evidence.title},
))


def _ending_contracts():
    return Customer.objects.filter(is_active=True, contract_ends_on__isnull=False)


def _contract_title(customer: Row, offset: int) -> str:
    days = abs(offset)
    if offset < 0:
        return ngettext("The contract with %(customer)s ends in %(days)s day: prepare the return or deletion "
                        "of its data", "The contract with %(customer)s ends in %(days)s days: prepare the return "
                        "or deletion of its data", days) % {"customer": customer.name, "days": days}
    return gettext("The contract with %(customer)s has ended: complete its offboarding") % {"customer": customer.name}


CONTRACT_ENDING = register(ReminderRule(
    name="controls.contract_ending",
    description=_("A customer's contract ends soon: its data must be returned or deleted (Art. 28(3)(g) GDPR)."),
    queryset=_ending_contracts,
    date_field="contract_ends_on",
    offsets=(-90, -30, -7, 1),
    fields=("name", "slug"),
    recipients=lambda customer: [Role.DPO],
    title=_contract_title,
    link=lambda customer: cached_reverse("customers:detail", kwargs={"slug": customer.slug}),
    calendar_filter=lambda user: Q() if user_has_role(user, Role.DPO) else Q(pk__in=[]),
    calendar_title=lambda customer: gettext("Contract ends: %(customer)s") % {"customer": customer.name},
))


# The notifications backbone discovers `reminders` modules only; the sub-processor rule lives beside this one.
from controls.reminders_subprocessors import SUBPROCESSOR_ASSESSMENT_DUE  # noqa: E402,F401
