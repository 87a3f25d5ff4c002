"""Live figures on the pages of the controls that promise a sub-processor register and records of processing.

TOM-SUP-01 says sub-processors are assessed and reassessed every year; TOM-ACC-01 says the processor keeps
records of processing for each customer and has a data protection officer. Their pages show how far the register
bears that out. Registered in controls.live_facts from ControlsConfig.ready(); three queries at most.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from controls.models import Service
from controls.models_subprocessors import SubProcessor

SUBPROCESSOR_CONTROL = "TOM-SUP-01"
RECORDS_CONTROL = "TOM-ACC-01"


def subprocessor_facts(control) -> list[tuple[str, str, str]]:
    if control.reference != SUBPROCESSOR_CONTROL:
        return []
    today = timezone.localdate()
    figures = SubProcessor.objects.filter(status=SubProcessor.Status.ACTIVE).aggregate(
        active=Count("pk"),
        overdue=Count("pk", filter=Q(next_assessment_due__lt=today)),
        never=Count("pk", filter=Q(last_assessed_on__isnull=True)),
    )
    value = "; ".join((
        _("%(n)s in the register") % {"n": figures["active"]},
        ngettext("%(n)s assessment overdue", "%(n)s assessments overdue", figures["overdue"])
        % {"n": figures["overdue"]},
        _("%(n)s never assessed") % {"n": figures["never"]},
    ))
    return [(_("Sub-processors"), value, reverse("subprocessors:list"))]


def records_facts(control) -> list[tuple[str, str, str]]:
    if control.reference != RECORDS_CONTROL:
        return []
    from controls.selectors_subprocessors import processor_details

    services = Service.objects.aggregate(
        total=Count("pk", distinct=True),
        without=Count("pk", filter=Q(processing_categories__isnull=True), distinct=True),
    )
    records = _("Categories of processing recorded for %(done)s of %(total)s services") % {
        "done": services["total"] - services["without"], "total": services["total"]}
    details = processor_details()
    dpo = details.dpo_name or _("not recorded")
    url = reverse("subprocessors:records")
    return [(_("Records of processing (Art. 30(2))"), records, url), (_("Data protection officer"), dpo, url)]
