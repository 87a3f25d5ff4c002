"""End of a contract: the checklist, its evidence, the certificate to the customer, and what follows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from controls.models import Customer, CustomerControlOverride
from portal.audit.models import AuditEvent
from portal.exports.models import AnnexVersion
from portal.notifications.models import Notification
from portal.notifications.sweep import reminders_sweep
from portal.retention import engine, services
from portal.retention import offboarding as service
from portal.retention.models import Offboarding, RetentionRun
from tests.controls.factories import CustomerFactory, OverrideFactory
from tests.factories import UserFactory
from tests.retention.builders import at

pytestmark = pytest.mark.django_db

ENDS = date(2026, 6, 30)


@pytest.fixture
def customer_systems(policy):
    policy("hosting", 0, system="Hosting platform", data_category="Customer application data",
           counts_from="contract_end", covers_customer_data=True)
    policy("support", 0, system="Support desk", data_category="Support tickets", counts_from="contract_end",
           covers_customer_data=True)


def ending_customer(**fields) -> Customer:
    return CustomerFactory(name="Contoso Retail SE", contract_ends_on=ENDS, end_of_contract_choice="return",
                           notice_contact_name="Marc Duval", notice_contact_email="dpo@contoso.example", **fields)


def start(customer, dpo) -> Offboarding:
    return service.offboarding_start(
        subject=customer, subject_key=customer.slug, contract_reference=customer.contract_reference,
        contact_name=customer.notice_contact_name, contact_email=customer.notice_contact_email,
        contract_ends_on=customer.contract_ends_on, choice=customer.end_of_contract_choice, actor=dpo)


def test_the_dpo_starts_offboarding_from_the_customer_page_with_one_step_per_system(signed_in, customer_systems):
    customer = ending_customer()
    client, _ = signed_in("DPO", step_up=True)
    response = client.post(reverse("customers:offboarding_start", args=[customer.slug]))
    offboarding = Offboarding.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("retention:offboarding_detail", args=[offboarding.pk])
    assert [s.system for s in offboarding.steps.order_by("position")] == ["Hosting platform", "Support desk"]
    assert offboarding.choice == "return" and offboarding.contact_email == "dpo@contoso.example"
    assert AuditEvent.objects.filter(action="retention.offboarding_started").count() == 1


def test_offboarding_cannot_start_without_a_contract_end_and_a_choice(signed_in, customer_systems):
    customer = CustomerFactory()
    client, _ = signed_in("DPO", step_up=True)
    response = client.post(reverse("customers:offboarding_start", args=[customer.slug]))
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.slug])
    assert not Offboarding.objects.exists()


def test_an_offboarding_cannot_finish_with_an_unconfirmed_step(customer_systems):
    dpo = UserFactory(roles=["DPO"])
    offboarding = start(ending_customer(), dpo)
    first = offboarding.steps.order_by("position").first()
    service.offboarding_confirm_step(step=first, evidence="Ticket OPS-311: tenant volumes wiped", actor=dpo)
    with pytest.raises(ValidationError, match="Support desk"):
        service.offboarding_complete(offboarding=offboarding, actor=dpo)
    offboarding.refresh_from_db()
    assert offboarding.status == Offboarding.Status.OPEN and offboarding.finished_at is None
    assert not AnnexVersion.objects.exists()


def test_a_step_is_not_confirmed_without_evidence(customer_systems):
    dpo = UserFactory(roles=["DPO"])
    step = start(ending_customer(), dpo).steps.first()
    with pytest.raises(ValidationError):
        service.offboarding_confirm_step(step=step, evidence="   ", actor=dpo)
    step.refresh_from_db()
    assert not step.is_confirmed


def test_the_completed_offboarding_sends_the_customer_a_certificate_verifiable_at_verify(
    signed_in, customer_systems, django_capture_on_commit_callbacks
):
    client, dpo = signed_in("DPO", step_up=True)
    offboarding = start(ending_customer(), dpo)
    for step in offboarding.steps.all():
        client.post(reverse("retention:offboarding_step_confirm", args=[offboarding.pk, step.pk]),
                    {"evidence": f"Export handed over and deleted on {step.system}; ticket OPS-9"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("retention:offboarding_complete", args=[offboarding.pk]))
    assert response.status_code == 302
    offboarding.refresh_from_db()
    certificate = AnnexVersion.objects.get(kind="retention.offboarding_certificate")
    assert offboarding.is_done and offboarding.certificate_sha256 == certificate.snapshot_sha256
    assert [s["system"] for s in certificate.snapshot["steps"]] == ["Hosting platform", "Support desk"]
    assert "35 days" in certificate.snapshot["backup_note"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dpo@contoso.example"]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"
    assert certificate.snapshot_sha256 in mail.outbox[0].body
    verify = client.get(reverse("verify:document", args=[certificate.snapshot_sha256]))
    assert verify.status_code == 200 and "Contoso Retail SE" in verify.content.decode()


def certified(customer, dpo) -> Offboarding:
    from portal.retention.certificates import offboarding_certify

    offboarding = start(customer, dpo)
    for step in offboarding.steps.all():
        service.offboarding_confirm_step(step=step, evidence="Deleted; ticket OPS-9", actor=dpo)
    service.offboarding_complete(offboarding=offboarding, actor=dpo)
    offboarding_certify(offboarding_id=offboarding.pk, actor=dpo)
    return offboarding


def run_now() -> RetentionRun:
    run = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
    return engine.retention_run_execute(run_id=run.pk)


def test_a_certified_customers_contacts_and_overrides_go_when_the_period_after_the_contract_end_passes(
    customer_systems, policy
):
    policy("customer-records", 3, action="anonymise", counts_from="contract_end")
    dpo = UserFactory(roles=["DPO"])
    customer, other = ending_customer(), ending_customer(slug="still-running")
    OverrideFactory(customer=customer)
    certified(customer, dpo)
    with at(datetime(2026, 9, 29, 10, 0, tzinfo=UTC)):
        run_now()
    customer.refresh_from_db()
    assert customer.notice_contact_email == "dpo@contoso.example"
    with at(datetime(2026, 9, 30, 10, 0, tzinfo=UTC)):
        run = run_now()
    customer.refresh_from_db()
    assert customer.notice_contact_email == "" and customer.notice_contact_name == "" and not customer.is_active
    assert customer.name == "Contoso Retail SE"  # the record and its published annexes stay as proof
    assert not CustomerControlOverride.objects.filter(customer=customer).exists()
    other.refresh_from_db()
    assert other.notice_contact_email == "dpo@contoso.example"  # no certificate: untouched
    assert run.counts["controls.customer_records"]["done"] == 1


def test_a_legal_hold_on_the_customer_keeps_its_records(customer_systems, policy):
    policy("customer-records", 3, action="anonymise", counts_from="contract_end")
    dpo = UserFactory(roles=["DPO"])
    customer = ending_customer()
    certified(customer, dpo)
    services.legal_hold_set(obj=customer, reason="Dispute over the final invoice", actor=dpo)
    with at(datetime(2027, 1, 1, tzinfo=UTC)):
        run = run_now()
    customer.refresh_from_db()
    assert customer.notice_contact_email == "dpo@contoso.example"
    assert run.counts["controls.customer_records"]["held"] == 1


def test_the_dpos_are_reminded_as_the_contract_end_nears():
    UserFactory(roles=["DPO"])
    ending_customer()
    assert reminders_sweep(today=ENDS - timedelta(days=31)).created == 0
    reminders_sweep(today=ENDS - timedelta(days=30))
    notice = Notification.objects.get(reason="controls.contract_ending", channel="in_app")
    assert "Contoso Retail SE" in notice.title and "30 days" in notice.title


def test_the_customer_page_shows_the_contract_end_and_links_its_offboarding(signed_in, customer_systems):
    client, dpo = signed_in("DPO")
    customer = ending_customer()
    page = client.get(reverse("customers:detail", args=[customer.slug])).content.decode()
    assert "Start offboarding" in page and "30 Jun 2026" in page
    offboarding = start(customer, dpo)
    page = client.get(reverse("customers:detail", args=[customer.slug])).content.decode()
    assert "Start offboarding" not in page
    assert reverse("retention:offboarding_detail", args=[offboarding.pk]) in page
    detail = client.get(reverse("retention:offboarding_detail", args=[offboarding.pk]))
    assert detail.status_code == 200 and "Hosting platform" in detail.content.decode()
