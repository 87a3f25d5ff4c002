"""Demo data for the TOM annex: target dates of planned measures, a certificate and periodic test reports as
evidence, the DPO's decisions on measures that need attention, and each customer's annex terms.

After it, Contoso's and Fabrikam's annexes can be published; Northwind's waits for one decision (TOM-MIN-02,
implemented for the support desk without evidence in date), which the decisions page shows. Fabrikam's annex is
in its notice period: version 1 left the planned measures out, Fabrikam then asked to see them, and version 2,
which lists them with their target dates, takes effect after Fabrikam's 14 days' notice. Idempotent.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from controls.annex_truth import Standing, facts_for, standing
from controls.attention_text import NEEDS_ATTENTION
from controls.exports_annex import TOM_ANNEX
from controls.models import Control, Customer, Evidence
from controls.models_annex import AnnexTerms, AttentionDecision
from controls.models_subprocessors import ProcessorDetails
from controls.services_annex import annex_terms_update, terms_of
from controls.services_evidence import evidence_add
from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User
from portal.exports.models import AnnexVersion
from portal.exports.registry import get_kind
from portal.exports.services import annex_publish

# Left without evidence so that the decisions page has something to decide (only Northwind uses support).
LEFT_FOR_A_DECISION = "TOM-MIN-02"

# reference, title, record, valid from (days from today), valid until, certificate facts
FACT_EVIDENCE = [
    ("TOM-CRT-01", "ISO/IEC 27001 certificate", Evidence.Record.CERTIFICATE, -290, 805, {
        "certificate_standard": "ISO/IEC 27001:2022",
        "certificate_scope": "Managed application hosting, support desk, reporting and archive services",
        "certificate_issuer": "Example Certification GmbH", "certificate_number": "ISMS-2025-0417"}),
    ("TOM-PEN-01", "External penetration test 2026", Evidence.Record.TEST, -65, 300, {}),
    ("TOM-BCK-02", "Quarterly restore test, Q3", Evidence.Record.TEST, -20, 70, {}),
    ("TOM-BCP-01", "Disaster recovery exercise", Evidence.Record.TEST, -120, 245, {}),
]

TERMS = {
    # slug: instrument, module, planned measures, notice days
    "contoso-retail": (AnnexTerms.Instrument.SCC_2021_914, AnnexTerms.Module.MODULE_2, AnnexTerms.Planned.LIST, 45),
    "fabrikam-finance": (AnnexTerms.Instrument.SCC_2021_915, "", AnnexTerms.Planned.OMIT, 14),
    "northwind-health": (AnnexTerms.Instrument.SCC_2021_915, "", AnnexTerms.Planned.LIST, 30),
}

# The customer whose annex the demo leaves in its notice period (its terms leave planned measures out at first).
NOTICE_CUSTOMER = "fabrikam-finance"

JUSTIFICATION = ("The measure runs unchanged; its review is booked for next week and the renewed evidence "
                 "follows it. Checked with the control owner.")


def seed(stdout=None) -> None:
    dpo = User.objects.filter(email=f"dpo@{DEMO_DOMAIN}").first()
    if dpo is None:
        return
    today = timezone.localdate()
    ProcessorDetails.objects.filter(pk=1, security_contact="").update(
        security_contact=f"security@{DEMO_DOMAIN} · +49 30 1234 5670 (24/7)")
    planned = Control.objects.filter(status=Control.Status.PLANNED, planned_for__isnull=True,
                                     reference__startswith="TOM-")
    for i, control in enumerate(planned.order_by("reference")):
        Control.objects.filter(pk=control.pk).update(planned_for=today + timedelta(days=45 + 30 * (i % 4)))
    controls = {c.reference: c for c in Control.objects.filter(reference__startswith="TOM-")}
    added = 0
    for reference, title, record, start, until, facts in FACT_EVIDENCE:
        control = controls.get(reference)
        if control is None or Evidence.objects.filter(control=control, title=title).exists():
            continue
        evidence_add(control=control, actor=dpo, kind=Evidence.Kind.NOTE, title=title, record=record,
                     text=f"{title}: report filed with the ISMS records.", valid_from=today + timedelta(days=start),
                     valid_until=today + timedelta(days=until), **facts)
        added += 1
    decided = 0
    live = list(Control.objects.filter(reference__startswith="TOM-").exclude(
        status__in=[Control.Status.RETIRED, Control.Status.PLANNED]))
    facts = facts_for([c.pk for c in live], today)
    for control in live:
        if standing(control, facts) != Standing.BLOCKED or control.reference == LEFT_FOR_A_DECISION:
            continue
        if control.status == Control.Status.NEEDS_ATTENTION:
            if not AttentionDecision.objects.filter(control=control, control_version=control.version).exists():
                AttentionDecision.objects.create(control=control, control_version=control.version,
                                                 reason_at_decision=control.attention_reason or NEEDS_ATTENTION,
                                                 justification=JUSTIFICATION, decided_by=dpo)
                decided += 1
        else:
            evidence_add(control=control, actor=dpo, kind=Evidence.Kind.NOTE,
                         title=_("Check of %(reference)s") % {"reference": control.reference},
                         text="Configuration and records checked against the description; working as stated.",
                         valid_from=today, valid_until=today + timedelta(days=365))
            added += 1
    for slug, (instrument, module, planned_measures, days) in TERMS.items():
        customer = Customer.objects.filter(slug=slug).first()
        if customer is not None:
            AnnexTerms.objects.get_or_create(customer=customer, defaults={
                "instrument": instrument, "module": module, "planned_measures": planned_measures,
                "notice_days": days})
    announced = seed_notice_period(dpo)
    if stdout is not None:
        stdout.write(f"TOM annex: {added} evidence added, {decided} decisions recorded; {LEFT_FOR_A_DECISION} "
                     f"awaits the DPO's decision")
        if announced is not None:
            stdout.write(f"TOM annex: {announced} announced, takes effect on {announced.effective_on}")


def seed_notice_period(dpo, slug: str = NOTICE_CUSTOMER) -> AnnexVersion | None:
    """Version 1 of the customer's annex without its planned measures, then version 2 listing them, which waits
    for the customer's notice period: the annex page shows a notice running. Only for a customer with no
    published version yet whose annex may be published and has planned measures to list."""
    customer = Customer.objects.filter(slug=slug).first()
    kind = get_kind(TOM_ANNEX)
    if (customer is None or AnnexVersion.objects.filter(kind=TOM_ANNEX, subject_key=slug).exists()
            or kind.publish_blockers(slug)):
        return None
    terms = terms_of(customer)
    if terms.planned_measures != AnnexTerms.Planned.OMIT:
        return None
    annex_publish(kind_name=TOM_ANNEX, subject_key=slug, actor=dpo)
    terms = annex_terms_update(customer=customer, actor=dpo, expected_version=terms.version,
                               planned_measures=AnnexTerms.Planned.LIST)
    if not kind.snapshot(slug)["planned"]:
        return None
    return annex_publish(kind_name=TOM_ANNEX, subject_key=slug, actor=dpo)
