"""Demo data for the control inventory: the TOM catalogue, owners, review dates, evidence and three customers.

Idempotent: a second run changes nothing.
"""

import io
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from controls import demo_annex, demo_subprocessors
from controls.catalogue_loader import load_catalogue
from controls.models import Control, Customer, CustomerControlOverride, Evidence, Service
from controls.services_evidence import evidence_add
from controls.services_status import controls_refresh_status
from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User

DEMO_CUSTOMERS = [
    # slug, name, contract, contact, email, notice hours, services, overrides (reference, mode, reason)
    # (contract languages: DEMO_CONTRACT_LANGUAGES below)
    ("northwind-health", "Northwind Health GmbH", "DPA-2024-017", "Greta Lindqvist", "privacy@northwind-health.example",
     24, ["hosting", "support", "archive"],
     [("TOM-ENC-03", "include", "Contract annex 2 requires pseudonymised exports for their research team.")]),
    ("contoso-retail", "Contoso Retail SE", "DPA-2023-044", "Marc Duval", "dpo@contoso-retail.example",
     48, ["hosting", "analytics"],
     [("TOM-MIN-02", "exclude", "Contoso runs its own support desk; our support tools never see their data.")]),
    ("fabrikam-finance", "Fabrikam Finance AB", "DPA-2025-003", "Sofia Berg", "dataprotection@fabrikam.example",
     12, ["hosting", "support", "analytics", "archive"], []),
]

# Northwind's DPA is German: its TOM annex and change notices are German. Contoso's is bilingual.
DEMO_CONTRACT_LANGUAGES = {"northwind-health": Customer.ContractLanguage.GERMAN,
                           "contoso-retail": Customer.ContractLanguage.BILINGUAL}

PEN_TEST_SUMMARY = b"""# External penetration test, summary

Scope: public web application, API gateway, VPN concentrator.
Tester: independent firm under NDA; grey-box, 5 days.

| finding | severity | status |
|---|---|---|
| TLS 1.2 offered on the legacy API gateway | medium | fixed, retested |
| Verbose error page on /api/v1/export | low | fixed |

No critical or high findings.
"""

TLS_SCAN = b"""TLS scan of annex-edge-1 .. annex-edge-4
Protocols: TLSv1.3 only
Ciphers: TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256
HSTS: max-age=63072000; includeSubDomains
"""

# reference, kind, title, content (bytes for files, a URL for links, text for notes), filename, valid-until offset
DEMO_EVIDENCE = [
    ("TOM-PEN-01", Evidence.Kind.FILE, "Penetration test report (summary)", PEN_TEST_SUMMARY, "pentest-summary.md",
     300),
    ("TOM-TRN-01", Evidence.Kind.FILE, "TLS configuration scan", TLS_SCAN, "tls-scan.txt", 60),
    ("TOM-ENC-01", Evidence.Kind.LINK, "KMS key policy and rotation settings",
     "https://kms.example.internal/keys/annex-data/policy", "", None),
    ("TOM-VUL-01", Evidence.Kind.LINK, "Weekly vulnerability scan dashboard",
     "https://scanner.example.internal/reports/weekly", "", 25),
    # Expires within 14 days: the owner's reminder and the register show it.
    ("TOM-IAM-01", Evidence.Kind.NOTE, "MFA enforcement check",
     "Identity provider policy export checked: MFA required for all 48 accounts, no exemptions.", "", 10),
    # Already expired and the only evidence: the status automation puts the control on "needs attention".
    ("TOM-BCK-01", Evidence.Kind.NOTE, "Restore test protocol",
     "Full restore of the production database from the off-site copy took 47 minutes; checksums matched.", "", -5),
]

# The demo processor also files its measures under the eight German control objectives (controls/objectives.py),
# as many German organisations do: the home page then breaks the register down by them.
DEMO_OBJECTIVES = {
    "zutrittskontrolle": ("TOM-PHY-01", "TOM-PHY-02", "TOM-PHY-03"),
    "zugangskontrolle": ("TOM-IAM-01", "TOM-IAM-02"),
    "zugriffskontrolle": ("TOM-IAM-03", "TOM-ACC-01"),
    "weitergabekontrolle": ("TOM-TRN-01", "TOM-TRN-02", "TOM-TRN-03"),
    "eingabekontrolle": ("TOM-LOG-01", "TOM-LOG-02"),
    "auftragskontrolle": ("TOM-SUP-01",),
    "verfuegbarkeitskontrolle": ("TOM-BCK-01", "TOM-BCK-02", "TOM-RES-01"),
    "trennungsgebot": ("TOM-NET-01", "TOM-MIN-01"),
}

# Owner by reference prefix: the security officer runs the technical measures, the DPO the governance ones.
DPO_PREFIXES = ("TOM-GOV", "TOM-ACC", "TOM-RET", "TOM-ERA", "TOM-MIN", "TOM-SUP", "TOM-CRT", "TOM-AWR", "TOM-EVA")


@transaction.atomic
def seed(stdout=None) -> None:
    report = load_catalogue()
    security = User.objects.filter(email=f"security@{DEMO_DOMAIN}").first()
    dpo = User.objects.filter(email=f"dpo@{DEMO_DOMAIN}").first()
    today = timezone.localdate()
    statuses = [Control.Status.IMPLEMENTED, Control.Status.VERIFIED, Control.Status.VERIFIED,
                Control.Status.IMPLEMENTED, Control.Status.PLANNED]
    # Only controls nobody has touched yet get demo owners and dates, so re-running changes nothing.
    fresh = Control.objects.filter(owner__isnull=True, last_reviewed_on__isnull=True, reference__startswith="TOM-")
    for i, control in enumerate(fresh.order_by("reference")):
        control.owner = dpo if control.reference.startswith(DPO_PREFIXES) else security
        control.status = statuses[i % len(statuses)]
        # Spread the reviews: some overdue, some due within the month, most later in the year.
        offset = [-20, 10, 45, 120, 200, -3, 25, 300][i % 8]
        control.next_review_due = today + timedelta(days=offset)
        control.last_reviewed_on = (
            None if control.status == Control.Status.PLANNED
            else control.next_review_due - timedelta(days=30 * control.review_cadence_months)
        )
        if offset < 0 and i % 3 == 0:
            control.status = Control.Status.NEEDS_ATTENTION
        control.save(update_fields=["owner", "status", "next_review_due", "last_reviewed_on"])

    _seed_objectives()
    services = {s.slug: s for s in Service.objects.all()}
    controls = {c.reference: c for c in Control.objects.all()}
    created = 0
    for slug, name, contract, contact, email, hours, service_slugs, overrides in DEMO_CUSTOMERS:
        customer, is_new = Customer.objects.get_or_create(slug=slug, defaults={
            "name": name, "contract_reference": contract, "notice_contact_name": contact,
            "notice_contact_email": email, "breach_notice_hours": hours,
            "contract_language": DEMO_CONTRACT_LANGUAGES.get(slug, Customer.ContractLanguage.ENGLISH),
        })
        if is_new:
            created += 1
            customer.services.set([services[s] for s in service_slugs if s in services])
            for reference, mode, reason in overrides:
                if reference in controls:
                    CustomerControlOverride.objects.get_or_create(
                        customer=customer, control=controls[reference],
                        defaults={"mode": mode, "reason": reason, "created_by": dpo},
                    )
    evidence_added = _seed_evidence(dpo, today)
    offboarding = _seed_offboarding(dpo, today)
    sweep = controls_refresh_status()
    demo_subprocessors.seed(stdout)
    demo_annex.seed(stdout)
    if stdout is not None:
        stdout.write(
            f"controls: catalogue {len(report.created)} created, {len(report.updated)} updated; "
            f"{Control.objects.count()} controls; {created} customers added; {evidence_added} evidence added; "
            f"{len(sweep.changes)} status changes{offboarding}"
        )


def _seed_objectives() -> None:
    """Add each control's objective tag once (re-running changes nothing)."""
    wanted = {reference: tag for tag, references in DEMO_OBJECTIVES.items() for reference in references}
    for control in Control.objects.filter(reference__in=wanted).only("pk", "reference", "tags"):
        tag = wanted[control.reference]
        if tag not in control.tags:
            control.tags = [*control.tags, tag]
            control.save(update_fields=["tags"])


def _seed_evidence(actor, today) -> int:
    if actor is None:
        return 0
    controls = {c.reference: c for c in Control.objects.filter(reference__in=[e[0] for e in DEMO_EVIDENCE])}
    added = 0
    for reference, kind, title, content, filename, until in DEMO_EVIDENCE:
        control = controls.get(reference)
        if control is None or Evidence.objects.filter(control=control, title=title).exists():
            continue
        valid_until = today + timedelta(days=until) if until is not None else None
        extra = {"upload": io.BytesIO(content), "filename": filename} if kind == Evidence.Kind.FILE else (
            {"url": content} if kind == Evidence.Kind.LINK else {"text": content})
        evidence_add(control=control, actor=actor, kind=kind, title=title, valid_until=valid_until,
                     valid_from=min(today, valid_until) if valid_until else today, **extra)
        added += 1
    return added


# Contoso's contract ends in three weeks; they asked for their data back. One step is already done.
OFFBOARDING_CUSTOMER = "contoso-retail"
OFFBOARDING_EVIDENCE = ("Ticket OPS-2291: full export of the tenant handed over by SFTP on the agreed date; "
                        "Contoso confirmed receipt. Tenant database dropped, volume snapshots deleted.")


def _seed_offboarding(actor, today) -> str:
    from portal.retention.demo import seed_register
    from portal.retention.offboarding import offboarding_confirm_step, offboarding_for, offboarding_start

    customer = Customer.objects.filter(slug=OFFBOARDING_CUSTOMER).first()
    if actor is None or customer is None or offboarding_for(customer) is not None:
        return ""
    seed_register(actor)
    if customer.contract_ends_on is None:
        Customer.objects.filter(pk=customer.pk).update(contract_ends_on=today + timedelta(days=21),
                                                        end_of_contract_choice="return")
        customer.refresh_from_db()
    offboarding = offboarding_start(
        subject=customer, subject_key=customer.slug, contract_reference=customer.contract_reference,
        contact_name=customer.notice_contact_name, contact_email=customer.notice_contact_email,
        contract_ends_on=customer.contract_ends_on, choice=customer.end_of_contract_choice, actor=actor)
    offboarding_confirm_step(step=offboarding.steps.order_by("position").first(), evidence=OFFBOARDING_EVIDENCE,
                             actor=actor)
    return f"; offboarding of {customer.name} started"
