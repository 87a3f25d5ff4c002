"""Demo data for sub-processors and records of processing: three sub-processors (EU hosting, an email provider
with an SCC transfer, a support tool), one change inside its notice period with one objection, processing
categories per service, and the processor's and the controllers' details from which each customer's record of
processing follows. Idempotent: a second run changes nothing."""

import io
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from controls import services_subprocessors as services
from controls.models import Control, Customer, Evidence, Service
from controls.models_subprocessors import (
    ChangeNotice,
    ProcessingCategory,
    ProcessorDetails,
    SubProcessor,
    SubProcessorChange,
    SubProcessorTerms,
)
from controls.services_evidence import evidence_add
from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User

# The hosting provider is the one the catalogue names (AWS KMS, eu-central-1 and eu-west-1): it runs the data
# centres, so the physical-security measures are attributed to it in the annex.
SUBPROCESSORS = [
    {
        "slug": "aws", "legal_name": "Amazon Web Services EMEA SARL",
        "address": "38 Avenue John F. Kennedy\n1855 Luxembourg\nLuxembourg", "contact_name": "AWS EU privacy team",
        "contact_email": "eu-privacy@aws.example",
        "service_performed": "Cloud infrastructure in the EU regions: the compute, database, object storage and key "
                             "management (AWS KMS) services in which the processor's application, databases and "
                             "backups run, and the data centres that house them.",
        "locations": [{"country": "DE", "region": "Frankfurt (eu-central-1)"},
                      {"country": "IE", "region": "Dublin (eu-west-1)"}],
        "measures": "ISO/IEC 27001, 27017 and 27018 certified, SOC 2 Type II; data centres entered through "
                    "biometric access control, guarded around the clock and under video surveillance; KMS master "
                    "keys held in FIPS 140-2 Level 3 hardware security modules; retired disks destroyed on site.",
        "dpa_reference": "AWS-GDPR-DPA-2024", "certification": "ISO/IEC 27001:2022",
        "services": ["hosting", "archive", "analytics"], "performs": ["TOM-PHY-01", "TOM-PHY-02"],
        "assessed_days_ago": 340,
        "dpa_document": ("AWS GDPR Data Processing Addendum (accepted)",
                         b"AWS GDPR Data Processing Addendum, incorporated in the AWS Service Terms.\n"
                         b"Accepted for the processor's AWS organisation on 2 February 2024.\n"
                         b"Annex: Standard Contractual Clauses (Module 3) for access from outside the EEA.\n",
                         "aws-dpa-acceptance.txt"),
        "certificate": ("AWS ISO/IEC 27001:2022 certificate",
                        "https://aws.amazon.com/compliance/iso-27001-faqs/", 290),
    },
    {
        "slug": "mailflow", "legal_name": "Mailflow Inc.",
        "address": "500 Howard Street\nSan Francisco, CA 94105\nUSA", "contact_name": "Privacy office",
        "contact_email": "privacy@mailflow.example",
        "service_performed": "Delivers the portal's transactional emails (notices, password resets) to the "
                             "customers' users.",
        "locations": [{"country": "US", "region": "Virginia (us-east-1)"}, {"country": "IE", "region": "Dublin"}],
        "transfer_mechanism": "scc", "scc_module": "module_3",
        "transfer_details": "SCC 2021/914 module 3 with a transfer impact assessment; message bodies encrypted in "
                            "transit (TLS 1.2+), deleted after 45 days.",
        "measures": "SOC 2 Type II report; encryption at rest; access on a need-to-know basis with MFA.",
        "dpa_reference": "MF-DPA-2024-07", "certification": "SOC 2 Type II",
        "services": ["hosting", "support"], "performs": [], "assessed_days_ago": 200,
        "dpa_document": ("Mailflow data processing agreement MF-DPA-2024-07 (signed)",
                         b"Data processing agreement MF-DPA-2024-07 between the processor and Mailflow Inc.\n"
                         b"Signed 14 July 2024. Annex: SCC 2021/914 module 3, transfer impact assessment.\n",
                         "mailflow-dpa-signed.txt"),
        # The SOC 2 report covers twelve months; the next one is due soon.
        "certificate": ("Mailflow SOC 2 Type II report", "https://trust.mailflow.example/soc2", 40),
    },
    {
        "slug": "deskly", "legal_name": "Deskly Oy",
        "address": "Mannerheimintie 12\n00100 Helsinki\nFinland", "contact_name": "DPO office",
        "contact_email": "dpo@deskly.example",
        "service_performed": "Ticketing tool of the customer support desk: stores the tickets, with the names and "
                             "messages of the customers' users who contact support.",
        "locations": [{"country": "FI", "region": "Helsinki"}],
        "measures": "ISO/IEC 27001 certified; tickets encrypted at rest; single sign-on with MFA; 90-day retention.",
        "dpa_reference": "DESK-DPA-2026-02", "certification": "ISO/IEC 27001:2022",
        "services": ["support"], "performs": [], "assessed_days_ago": None,
    },
]

# The controllers' own details for their records (Art. 30(2)(a)); Fabrikam's DPA grants specific authorisation
# with 45 days' notice, the others keep the defaults (general authorisation, 30 days).
TERMS = {
    "northwind-health": {"controller_address": "Nordkanalstraße 28, 20097 Hamburg, Germany",
                         "controller_dpo": "Dr. Olaf Brandt, datenschutz@northwind-health.example"},
    "contoso-retail": {"controller_address": "5 Rue de la Paix, 75002 Paris, France",
                       "controller_dpo": "Claire Martin, dpo@contoso-retail.example"},
    "fabrikam-finance": {"authorisation": SubProcessorTerms.Authorisation.SPECIFIC, "notice_days": 45,
                         "controller_address": "Kungsgatan 4, 111 43 Stockholm, Sweden",
                         "controller_dpo": "Erik Lund, dpo@fabrikam.example"},
}

CATEGORIES = {
    "hosting": [("Hosting and operation of the controller's application",
                 "Storage, operation and monitoring of the controller's application and its database.",
                 "The controller's customers and employees", "Contact and account data, usage data")],
    "support": [("Customer support", "Answering support requests of the controller's users.",
                 "Users who contact support", "Name, email address, message contents")],
    "analytics": [("Reporting", "Aggregated usage reports for the controller.", "The controller's users",
                   "Pseudonymised usage data")],
    "archive": [("Backup and archiving", "Encrypted backups and long-term archiving of the controller's data.",
                 "All data subjects of the hosted application", "All categories held in the application")],
}


@transaction.atomic
def seed(stdout=None) -> None:
    dpo = User.objects.filter(email=f"dpo@{DEMO_DOMAIN}").first()
    if dpo is None:
        return
    today = timezone.localdate()
    services_by_slug = {s.slug: s for s in Service.objects.all()}
    controls = {c.reference: c for c in Control.objects.filter(reference__startswith="TOM-")}
    ProcessorDetails.objects.get_or_create(pk=1, defaults={
        "name": settings.ORGANISATION_NAME, "address": "Friedrichstraße 68, 10117 Berlin, Germany",
        "contact_email": f"privacy@{DEMO_DOMAIN}", "dpo_name": dpo.full_name, "dpo_contact": dpo.email,
    })
    added = 0
    for entry in SUBPROCESSORS:
        if SubProcessor.objects.filter(slug=entry["slug"]).exists():
            continue
        fields = {k: v for k, v in entry.items() if k not in EXTRA_KEYS}
        if entry["assessed_days_ago"] is not None:
            fields["last_assessed_on"] = today - timedelta(days=entry["assessed_days_ago"])
        fields.update(_documents(entry, dpo, controls.get("TOM-SUP-01"), today))
        sp = services.subprocessor_create(
            actor=dpo, performed_controls=[controls[r] for r in entry["performs"] if r in controls], **fields)
        added += 1
        if entry["slug"] != "deskly":
            services.subprocessor_record_existing_use(
                actor=dpo, subprocessor=sp, services=[services_by_slug[s] for s in entry["services"]
                                                      if s in services_by_slug],
                reason="Listed in Annex IV of the customers' data processing agreements.")
    for customer in Customer.objects.filter(slug__in=TERMS):
        SubProcessorTerms.objects.get_or_create(customer=customer, defaults=TERMS[customer.slug])
    deskly = SubProcessor.objects.get(slug="deskly")
    support = services_by_slug.get("support")
    if support is not None and not SubProcessorChange.objects.filter(subprocessor=deskly).exists():
        change = services.subprocessor_change_open(
            actor=dpo, subprocessor=deskly, kind="addition", services=[support],
            reason="The support desk moves to a ticketing tool hosted in the EU, replacing shared mailboxes.",
            planned_from=today + timedelta(days=14),
        )
        notice = ChangeNotice.objects.filter(change=change, customer__slug="northwind-health").first()
        if notice is not None:
            services.notice_respond_by_link(
                token=services.notice_token(notice), response="objected", by_name="Greta Lindqvist",
                note="Our works council must review a new support tool before patient queries go to it.")
    for slug, rows in CATEGORIES.items():
        service = services_by_slug.get(slug)
        for name, description, subjects, data in rows if service else []:
            ProcessingCategory.objects.get_or_create(service=service, name=name, defaults={
                "description": description, "data_subjects": subjects, "personal_data": data})
    if stdout is not None:
        stdout.write(f"sub-processors: {added} added; {SubProcessorChange.objects.count()} changes; "
                     f"{ProcessingCategory.objects.count()} categories of processing")


EXTRA_KEYS = ("services", "performs", "assessed_days_ago", "dpa_document", "certificate")


def _documents(entry: dict, actor, control: Control | None, today) -> dict:
    """The DPA as an evidence file and the certificate as evidence with its validity, on the sub-processor control."""
    if control is None:
        return {}
    found = {}
    if "dpa_document" in entry:
        title, content, filename = entry["dpa_document"]
        found["dpa_evidence"] = Evidence.objects.filter(control=control, title=title).first() or evidence_add(
            control=control, actor=actor, kind=Evidence.Kind.FILE, title=title, upload=io.BytesIO(content),
            filename=filename, valid_from=today)
    if "certificate" in entry:
        title, url, valid_days = entry["certificate"]
        found["certification_evidence"] = Evidence.objects.filter(control=control, title=title).first() or (
            evidence_add(control=control, actor=actor, kind=Evidence.Kind.LINK, title=title, url=url,
                         valid_from=today - timedelta(days=365 - valid_days),
                         valid_until=today + timedelta(days=valid_days)))
    return found

