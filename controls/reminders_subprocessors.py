"""Reminders for sub-processor assessments: the responsible person (or every DPO) 30 and 7 days before the
assessment falls due and 1 day after; still missing a week later, the DPOs are told too."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from controls.models_subprocessors import SubProcessor
from portal.accounts.roles import Role
from portal.notifications.registry import ReminderRule, Row, register


def _active():
    return SubProcessor.objects.filter(status=SubProcessor.Status.ACTIVE)


def _title(sp: Row, offset: int) -> str:
    days = abs(offset)
    if offset < 0:
        return ngettext("Assessment of the sub-processor %(name)s is due in %(days)s day",
                        "Assessment of the sub-processor %(name)s is due in %(days)s days", days) % {
            "name": sp.legal_name, "days": days}
    return ngettext("Assessment of the sub-processor %(name)s is %(days)s day overdue",
                    "Assessment of the sub-processor %(name)s is %(days)s days overdue", days) % {
        "name": sp.legal_name, "days": days}


SUBPROCESSOR_ASSESSMENT_DUE = register(ReminderRule(
    name="controls.subprocessor_assessment_due",
    description=gettext_lazy("A sub-processor's periodic assessment falls due."),
    queryset=_active,
    date_field="next_assessment_due",
    offsets=(-30, -7, 1, 7),
    fields=("legal_name", "slug", "owner_id"),
    recipients=lambda sp: [sp.owner_id or Role.DPO],
    title=_title,
    escalate_to=lambda sp: [Role.DPO],
    escalate_from=7,
    link=lambda sp: reverse("subprocessors:detail", args=[sp.slug]),
    calendar_filter=lambda user: Q(owner=user),
    calendar_title=lambda sp: _("Sub-processor assessment due: %(name)s") % {"name": sp.legal_name},
))
