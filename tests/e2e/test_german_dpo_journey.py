"""A DPO switches Annex to German in the page header and publishes the German TOM annex of a customer
whose data processing agreement is German."""

import pytest

from controls.models import Customer
from portal.accounts.roles import Role
from portal.exports.models import AnnexVersion
from tests.conftest import totp_device_for
from tests.controls.factories import CustomerFactory, StatedControlFactory
from tests.e2e.conftest import artifacts_dir, sign_in_with_totp
from tests.factories import UserFactory


def shot(page, name: str) -> None:
    path = artifacts_dir() / f"i18n-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_german_dpo_switches_the_language_and_publishes_a_german_annex(page):
    dpo = UserFactory(roles=[Role.DPO], email="dsb@annex.test", full_name="Dörte Schubert")
    totp_device_for(dpo)
    CustomerFactory(slug="klinikum", name="Klinikum Nord gGmbH", contract_reference="AVV-2026-001",
                    contract_language=Customer.ContractLanguage.GERMAN, notice_contact_name="Eva Roth",
                    notice_contact_email="datenschutz@klinikum.test")
    StatedControlFactory(reference="TOM-ENC-01", title="AES-256 encryption of personal data at rest",
                         scc_category="pseudonymisation_encryption")

    sign_in_with_totp(page, dpo)
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_test_id("language-switch").get_by_role("button", name="Deutsch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", name="Ihre Rollen").is_visible()
    dpo.refresh_from_db()
    assert dpo.language == "de"

    page.get_by_role("navigation", name="Hauptmenü").get_by_role("link", name="Exporte").click()
    page.get_by_role("link", name="Veröffentlichte TOM-Anlagen").click()
    page.get_by_role("region", name="TOM-Anlage", exact=True).get_by_role("link", name="Klinikum Nord gGmbH").click()
    assert page.get_by_role("heading", name="Noch nicht veröffentlicht").is_visible()
    shot(page, "1-annex-before-publishing")
    with page.expect_navigation(timeout=120_000):  # the PDF is rendered before the page returns
        page.get_by_role("button", name="Version 1 veröffentlichen").click(timeout=120_000)
    assert page.get_by_text("TOM-Anlage", exact=False).first.is_visible()

    version = AnnexVersion.objects.get(subject_key="klinikum")
    assert version.snapshot["language"] == "de"
    assert version.snapshot["title"] == "Technische und organisatorische Maßnahmen"
    assert version.snapshot["sections"][0]["title"] == (
        "Maßnahmen der Pseudonymisierung und Verschlüsselung personenbezogener Daten")
    assert page.get_by_role("heading", name="Veröffentlichte Versionen").is_visible()
    assert page.get_by_role("link", name="Herunterladen").is_visible()
    shot(page, "2-german-annex-published")
