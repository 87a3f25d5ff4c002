"""Demo data for incident cases: an open breach with running clocks for two customers (one close to its
deadline), a closed case with its post-incident review, and a drill. Idempotent: a second run changes nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from controls.models import Control, Customer
from incidents import services
from incidents.models import Incident
from portal.accounts.demo import DEMO_DOMAIN
from portal.accounts.models import User

DEMO_SOURCE = "demo"


def _exists(key: str) -> bool:
    return Incident.objects.filter(external_source=DEMO_SOURCE, external_id=key).exists()


@transaction.atomic
def seed(stdout=None) -> None:
    responder = User.objects.filter(email=f"responder@{DEMO_DOMAIN}").first()
    dpo = User.objects.filter(email=f"dpo@{DEMO_DOMAIN}").first()
    customers = {c.slug: c for c in Customer.objects.all()}
    if responder is None or dpo is None or not {"northwind-health", "contoso-retail"} <= set(customers):
        return
    now = timezone.now()
    made = 0

    if not _exists("open-breach"):
        aware = now - timedelta(hours=21)
        incident = services.incident_open(
            actor=responder, title="Support tickets exported to a wrong recipient",
            description="A scheduled CSV export of support tickets (names, emails, ticket text) was sent to a "
                        "former contractor's mailbox after a distribution list change.",
            detected_at=aware - timedelta(minutes=40), aware_at=aware, reported_by="Mail gateway DLP alert",
            affected_systems="Ticketing (helpdesk-prod), mail relay", severity="high",
            customers=[customers["northwind-health"], customers["contoso-retail"]],
            external_source=DEMO_SOURCE, external_id="open-breach",
        )
        incident = services.incident_update(
            incident=incident, actor=responder, expected_version=incident.version,
            breach_types=["confidentiality"], subject_categories=["end_users"], data_categories=["contact", "content"],
            approx_subjects=1840, approx_records=2310, likely_consequences="Phishing using ticket details.",
            measures="Distribution list fixed; the recipient confirmed deletion in writing; export job paused.",
            dpo_contact=f"Dana Privacy, dpo@{DEMO_DOMAIN}",
        )
        services.timeline_add(incident=incident, actor=responder, text="Export job paused; list owner contacted.")
        services.task_add(incident=incident, actor=responder, title="Get written deletion confirmation",
                          owner=responder, due_on=timezone.localdate())
        made += 1

    if not _exists("closed-case"):
        aware = now - timedelta(days=40)
        incident = services.incident_open(
            actor=responder, title="Lost laptop of a support agent",
            description="A support laptop was stolen from a car; full-disk encryption was on and the key held "
                        "in the TPM with a PIN.", detected_at=aware, aware_at=aware,
            reported_by="The agent, by phone", severity="medium", customers=[customers["contoso-retail"]],
            external_source=DEMO_SOURCE, external_id="closed-case",
        )
        obligation = incident.obligations.get()
        services.notice_record(incident=incident, actor=responder, obligation=obligation, channel="email_manual",
                               content="Initial notice: stolen encrypted laptop; no indication of access.",
                               sent_at=aware + timedelta(hours=6))
        services.assessment_record(incident=incident, actor=responder, inputs={
            "data_category": "simple", "context_adjustment": 0, "ease_of_identification": "significant",
            "confidentiality": "none", "integrity": "none", "availability": "none", "malicious": True,
            "encrypted_unintelligible": True, "subsequent_measures": False, "subjects": 300})
        services.assessment_decide(incident=incident, actor=dpo, notify_authority=False, communicate_subjects=False)
        # Lessons learned become tasks on controls: each shows on its control's page and in its owner's inbox
        # (the security officer owns the endpoint control and is not on the case).
        controls = {c.reference: c for c in Control.objects.filter(reference__in=("TOM-END-01", "TOM-AWR-01"))}
        follow_ups = [(controls[reference], title) for reference, title in (
            ("TOM-END-01", "Check that remote wipe is enabled on every support laptop"),
            ("TOM-AWR-01", "Add the travel rule to the annual awareness training")) if reference in controls]
        services.incident_close(
            incident=incident, actor=responder, what_happened="Laptop stolen from a parked car.",
            root_cause="Device left in a vehicle against the mobile device policy.",
            lessons="Full-disk encryption held; remind staff of the travel rules.", follow_ups=follow_ups)
        made += 1

    if not _exists("drill") and "fabrikam-finance" in customers:
        services.incident_open(
            actor=responder, title="Ransomware tabletop exercise",
            description="Quarterly drill: file server encrypted, backups intact.", aware_at=now - timedelta(hours=2),
            detected_at=now - timedelta(hours=2), reported_by="Exercise lead", severity="critical",
            customers=[customers["fabrikam-finance"]], is_exercise=True,
            external_source=DEMO_SOURCE, external_id="drill",
        )
        made += 1
    if made and stdout is not None:
        stdout.write(f"Incidents: {made} demo case(s) added.")
