"""A customer's page at phone width (390 px) with the content a real customer has: a long notice email address,
the agreement's facts, several services, overrides and a table of applicable controls. Nothing makes the page
wider than the screen; the controls table scrolls inside its own box."""

import datetime

import pytest
from django.urls import reverse

from controls.models import Control
from portal.accounts.roles import Role
from tests.conftest import totp_device_for
from tests.controls.factories import ControlFactory, CustomerFactory, OverrideFactory, ServiceFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory

PHONE = {"width": 390, "height": 844}
LONG_EMAIL = "datenschutzbeauftragter.konzernrevision@mitteldeutsche-versorgungsbetriebe-holding.example"


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_customer_page_with_ordinary_content_is_no_wider_than_a_phone(page):
    dpo = UserFactory(roles=[Role.DPO], email="dpo@annex.test", full_name="Dr. Friederike Datenschutz-Oberhausen")
    totp_device_for(dpo)
    services = [ServiceFactory(slug=slug, name=name) for slug, name in [
        ("payroll", "Payroll processing and statutory reporting"), ("hr-portal", "HR self-service portal"),
        ("archive", "Long-term document archive")]]
    customer = CustomerFactory(
        slug="versorgung", name="Mitteldeutsche Versorgungsbetriebe Holding AG",
        contract_reference="AVV-2026-0042/Rahmenvertrag-Personaldienstleistungen",
        notice_contact_name="Konzerndatenschutz und Informationssicherheit", notice_contact_email=LONG_EMAIL,
        contract_ends_on=datetime.date(2027, 12, 31), end_of_contract_choice="return",
    )
    customer.services.set(services)
    for n, (status, title) in enumerate([
        (Control.Status.IMPLEMENTED, "Encryption of personal data at rest with customer-specific keys"),
        (Control.Status.VERIFIED, "Multi-factor authentication for every administrative account"),
        (Control.Status.PLANNED, "Pseudonymisation of payroll records in the analytics environment"),
        (Control.Status.NEEDS_ATTENTION, "Restore test of the long-term document archive"),
        (Control.Status.IMPLEMENTED, "Logging of access to personnel files with tamper-evident storage"),
    ]):
        ControlFactory(reference=f"TOM-ENC-{n:03d}", title=title, status=status, owner=dpo)
    OverrideFactory(customer=customer, control=ControlFactory(reference="TOM-EXCL-001", title="Physical access "
                    "control of the customer's own premises"), reason="The customer controls its premises itself.")
    sign_in_with_totp(page, dpo)
    page.set_viewport_size(PHONE)

    page.goto(reverse("customers:detail", kwargs={"slug": customer.slug}))
    assert page.get_by_text(LONG_EMAIL).first.is_visible()
    assert page.get_by_role("cell", name="TOM-ENC-004").is_visible()
    page.screenshot(path=str(artifacts_dir() / "customer-page-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
