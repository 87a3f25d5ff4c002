"""Demo data for sub-processors and records of processing: three sub-processors (EU hosting, an email provider
with an SCC transfer, a support tool), one change inside its notice period with one objection, processing
categories per service and the processor's details. Idempotent: a second run changes nothing."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from controls import services_subprocessors as services
from controls.models import Control, Customer, Service
from controls.models_subprocessors import (
    ChangeNotice,
    ProcessingCategory,
    ProcessorDetails,
    SubProcessor,
    SubProcessorChange,
    SubProcessorTerms,
)
from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User

SUBPROCESSORS = [
    {
        "slug": "eu-datacenter", "legal_name": "Rheinhost Datacenter GmbH",
        "address": "Kruppstraße 121\n60388 Frankfurt am Main\nGermany", "contact_name": "Data protection team",
        "contact_email": "privacy@rheinhost.example",
        "service_performed": "Operates the data centres (power, cooling, physical security, hardware) in which "
                             "the processor's servers and backups run.",
        "locations": [{"country": "DE", "region": "Frankfurt am Main"}, {"country": "IE", "region": "Dublin"}],
        "measures": "ISO/IEC 27001 certified; biometric access control and 24/7 on-site guards; video surveillance "
                    "of all entrances; redundant power and cooling; certified destruction of retired disks.",
        "dpa_reference": "RH-AVV-2023-118", "certification": "ISO/IEC 27001:2022",
        "services": ["hosting", "archive", "analytics"], "performs": ["TOM-PHY-01", "TOM-PHY-02"],
        "assessed_days_ago": 340,
    },
    {
        "slug": "postmark-mail", "legal_name": "Mailflow Inc.",
        "address": "500 Howard Street\nSan Francisco, CA 94105\nUSA", "contact_name": "Privacy office",
        "contact_email": "privacy@mailflow.example",
        "service_performed": "Delivers the portal's transactional emails (notices, password resets) to the "
                             "customers' users.",
        "locations": [{"country": "US", "region": "us-east-1 (Virginia)"}, {"country": "IE", "region": "Dublin"}],
        "transfer_mechanism": "scc", "scc_module": "module_3",
        "transfer_details": "SCC 2021/914 module 3 with a transfer impact assessment; message bodies encrypted in "
                            "transit (TLS 1.2+), deleted after 45 days.",
        "measures": "SOC 2 Type II report; encryption at rest; access on a need-to-know basis with MFA.",
        "dpa_reference": "MF-DPA-2024-07", "certification": "SOC 2 Type II",
        "services": ["hosting", "support"], "performs": [], "assessed_days_ago": 200,
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
    controls = {c.reference: c for c in Control.objects.filter(reference__startswith="TOM-PHY-")}
    ProcessorDetails.objects.get_or_create(pk=1, defaults={
        "name": settings.ORGANISATION_NAME, "address": "Friedrichstraße 68, 10117 Berlin, Germany",
        "contact_email": f"privacy@{DEMO_DOMAIN}", "dpo_name": "Dana Protection",
        "dpo_contact": f"dpo@{DEMO_DOMAIN}",
    })
    added = 0
    for entry in SUBPROCESSORS:
        if SubProcessor.objects.filter(slug=entry["slug"]).exists():
            continue
        fields = {k: v for k, v in entry.items() if k not in ("services", "performs", "assessed_days_ago")}
        if entry["assessed_days_ago"] is not None:
            fields["last_assessed_on"] = today - timedelta(days=entry["assessed_days_ago"])
        sp = services.subprocessor_create(
            actor=dpo, performed_controls=[controls[r] for r in entry["performs"] if r in controls], **fields)
        added += 1
        if entry["slug"] != "deskly":
            services.subprocessor_record_existing_use(
                actor=dpo, subprocessor=sp, services=[services_by_slug[s] for s in entry["services"]
                                                      if s in services_by_slug],
                reason="Listed in Annex IV of the customers' data processing agreements.")
    # Fabrikam's DPA grants specific authorisation with 45 days' notice; the others keep the defaults.
    fabrikam = Customer.objects.filter(slug="fabrikam-finance").first()
    if fabrikam is not None:
        SubProcessorTerms.objects.get_or_create(customer=fabrikam, defaults={
            "authorisation": SubProcessorTerms.Authorisation.SPECIFIC, "notice_days": 45,
            "controller_address": "Kungsgatan 4, 111 43 Stockholm, Sweden",
            "controller_dpo": "Erik Lund, dpo@fabrikam.example"})
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
