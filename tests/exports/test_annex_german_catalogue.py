"""A German TOM annex prints the catalogue's measures in German (locale/de/LC_MESSAGES/tom_catalogue.po) and
flags a measure edited in English only as out of date instead of printing a stale translation."""

import pytest
from django.core.management import call_command

from controls.catalogue_i18n import catalogue_text
from controls.exports import tom_annex_snapshot
from controls.models import CategoryStatement, Control, Customer, Service
from controls.services import control_update
from tests.controls.factories import CustomerFactory
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
STALE_FLAG = "wurde nur in der englischen Fassung geändert"


def _customer(language: str, slug: str) -> Customer:
    customer = CustomerFactory(contract_language=language, slug=slug, name="Klinikum Nord")
    customer.services.set(Service.objects.all())
    return customer


def _items(snapshot: dict) -> dict[str, dict]:
    items = [i for s in snapshot["sections"] for i in s["items"]]
    items += [i for g in snapshot["assistance"]["groups"] for i in g["items"]]
    return {i["reference"]: i for i in items}


def test_a_german_annex_of_untouched_catalogue_controls_is_german_and_flags_nothing(stated_catalogue):
    customer = _customer(Customer.ContractLanguage.GERMAN, "klinikum-nord")
    snapshot = tom_annex_snapshot(customer.slug)
    items = _items(snapshot)
    assert len(items) == stated_catalogue
    assert not [ref for ref, item in items.items() if item.get("translation_missing")]
    controls = {c.reference: c for c in Control.objects.all()}
    for reference, item in items.items():
        assert item["title"] == catalogue_text("de", controls[reference].title) != controls[reference].title
        assert item["description"] == catalogue_text("de", controls[reference].description)
    assert items["TOM-ENC-01"]["title"] == "AES-256-Verschlüsselung personenbezogener Daten im Ruhezustand"
    statements = [s["statement"] for s in snapshot["sections"] if s["statement"]]
    german = {catalogue_text("de", s.statement) for s in CategoryStatement.objects.all()}
    assert len(statements) == 17 and set(statements) <= german
    assert statements[0].startswith("Personenbezogene Daten werden bei der Übermittlung mit TLS 1.3")
    assert "Managed Hosting der Anwendung" in snapshot["services"]


def test_the_german_annex_pdf_prints_the_german_measures_and_no_out_of_date_flag(stated_catalogue, tmp_path):
    customer = _customer(Customer.ContractLanguage.GERMAN, "klinikum-pdf")
    output = tmp_path / "anlage.pdf"
    call_command("export_document", kind="controls.tom_annex", subject=customer.slug, output=str(output))
    text = pdf_text(output.read_bytes())
    assert "Biometrische Zutrittskontrolle zu Rechenzentrumsbereichen" in text
    assert "Multi-Faktor-Authentifizierung für jedes Konto" in text
    assert "Biometric access control to data centre areas" not in text
    assert STALE_FLAG not in text


def test_a_bilingual_annex_has_the_german_measures_first_and_the_english_under_them(stated_catalogue):
    customer = _customer(Customer.ContractLanguage.BILINGUAL, "stadtwerke")
    snapshot = tom_annex_snapshot(customer.slug)
    item = _items(snapshot)["TOM-TRN-01"]
    assert item["title"] == "TLS 1.3 für alle Daten bei der Übermittlung"
    assert item["en"]["title"] == "TLS 1.3 for all data in transit"
    assert "translation_missing" not in item
    assert "Backup and long-term archive" in snapshot["en"]["services"]
    assert "Datensicherung und Langzeitarchiv" in snapshot["services"]


def test_a_catalogue_control_edited_in_english_only_is_flagged_and_the_others_stay_german(stated_catalogue,
                                                                                          tmp_path):
    control = Control.objects.get(reference="TOM-BCK-01")
    edited = control.description.replace("35 days", "90 days")
    control_update(control=control, actor=UserFactory(roles=["DPO"]), expected_version=control.version,
                   description=edited)
    customer = _customer(Customer.ContractLanguage.GERMAN, "klinikum-edit")
    items = _items(tom_annex_snapshot(customer.slug))
    assert items["TOM-BCK-01"]["translation_missing"] is True
    assert items["TOM-BCK-01"]["description"] == edited
    assert [ref for ref, item in items.items() if item.get("translation_missing")] == ["TOM-BCK-01"]
    assert items["TOM-BCK-02"]["title"] == "Vierteljährliche Wiederherstellungstests gegen RPO und RTO"
    output = tmp_path / "anlage.pdf"
    call_command("export_document", kind="controls.tom_annex", subject=customer.slug, output=str(output))
    text = pdf_text(output.read_bytes())
    assert text.count(STALE_FLAG) == 1
    assert "Backups are kept for 90 days" in text
