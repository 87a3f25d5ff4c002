"""The TOM annex and its change notice follow the customer's contract language."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import translation

from controls.categories import scc_categories
from controls.exports import TOM_ANNEX, tom_annex_snapshot
from controls.models import Customer
from controls.scc_headings import HEADINGS
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory, ServiceFactory, StatedControlFactory
from tests.exports.conftest import _encrypted_store, pdf_text  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _headings(language: str) -> list[str]:
    with translation.override(language):
        return [str(HEADINGS[c.id]) for c in scc_categories()]


def _positions(text: str, headings: list[str]) -> list[int]:
    return [text.find(" ".join(h.split())) for h in headings]


def _customer(language: str, **fields) -> Customer:
    hosting = ServiceFactory(slug="hosting")
    customer = CustomerFactory(contract_language=language, contract_reference="AVV-2026-01", **fields)
    customer.services.set([hosting])
    StatedControlFactory(reference="TOM-ENC-01", scc_category="pseudonymisation_encryption")
    return customer


def test_the_german_headings_are_the_17_categories_and_differ_from_the_english_ones():
    german, english = _headings("de"), _headings("en")
    assert english == [c.wording for c in scc_categories()]
    assert len(set(german)) == 17 and not set(german) & set(english)
    assert german[0] == "Maßnahmen der Pseudonymisierung und Verschlüsselung personenbezogener Daten"


def test_a_german_annex_has_the_17_german_headings_in_order(tmp_path):
    customer = _customer(Customer.ContractLanguage.GERMAN, name="Klinikum Nord", slug="klinikum-nord")
    output = tmp_path / "anlage.pdf"
    call_command("export_document", kind="controls.tom_annex", subject=customer.slug, output=str(output))
    text = pdf_text(output.read_bytes())
    positions = _positions(text, _headings("de"))
    assert all(p >= 0 for p in positions), [h for h, p in zip(_headings("de"), positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "ANLAGE ZUM AUFTRAGSVERARBEITUNGSVERTRAG" in text and "Auftragsverarbeiter" in text
    assert "Kunde (Verantwortlicher)" in text and "Seite 1 von" in text
    assert _positions(text, [_headings("en")[0]]) == [-1]


def test_a_bilingual_annex_has_both_the_german_and_the_english_headings(tmp_path):
    customer = _customer(Customer.ContractLanguage.BILINGUAL, name="Stadtwerke Süd", slug="stadtwerke")
    snapshot = tom_annex_snapshot(customer.slug)
    assert snapshot["languages"] == ["de", "en"]
    assert [s["title"] for s in snapshot["sections"]] == _headings("de")
    assert [s["en"]["title"] for s in snapshot["sections"]] == _headings("en")
    output = tmp_path / "bilingual.pdf"
    call_command("export_document", kind="controls.tom_annex", subject=customer.slug, output=str(output))
    text = pdf_text(output.read_bytes())
    german, english = _positions(text, _headings("de")), _positions(text, _headings("en"))
    assert all(p >= 0 for p in german + english)
    assert german == sorted(german) and english == sorted(english)
    # Side by side: each English heading follows its German one, before the next category.
    assert all(g < e < n for g, e, n in zip(german, english, [*german[1:], len(text)], strict=True))


def test_the_command_renders_another_language_on_request_and_refuses_an_unknown_one(tmp_path):
    customer = _customer(Customer.ContractLanguage.ENGLISH, slug="acme")
    output = tmp_path / "de.pdf"
    call_command("export_document", kind="controls.tom_annex", subject="acme", output=str(output), language="de")
    assert _headings("de")[4] in pdf_text(output.read_bytes())
    with pytest.raises(CommandError, match="--language must be one of de, en, bilingual"):
        call_command("export_document", kind="controls.tom_annex", subject=customer.slug,
                     output=str(tmp_path / "x.pdf"), language="fr")
    assert not (tmp_path / "x.pdf").exists()


def test_a_measure_edited_in_english_only_is_flagged_in_the_german_annex_not_printed_stale():
    customer = _customer(Customer.ContractLanguage.GERMAN, slug="kunde")
    snapshot = tom_annex_snapshot(customer.slug)
    [item] = [i for s in snapshot["sections"] for i in s["items"] if i["reference"] == "TOM-ENC-01"]
    # The factory's text is no catalogue text: there is no German version of it.
    assert item["translation_missing"] is True
    english = tom_annex_snapshot(customer.slug, language="en")
    [english_item] = [i for s in english["sections"] for i in s["items"] if i["reference"] == "TOM-ENC-01"]
    assert "translation_missing" not in english_item


def test_the_change_notice_of_a_german_contract_is_in_german(django_capture_on_commit_callbacks):
    customer = _customer(Customer.ContractLanguage.GERMAN, slug="kunde-de", notice_contact_name="Eva Roth",
                         notice_contact_email="eva@kunde.test")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        version = annex_publish(kind_name=TOM_ANNEX, subject_key=customer.slug, actor=UserFactory(roles=["DPO"]))
    [message] = mail.outbox
    date = version.effective_on.strftime("%d.%m.%Y")
    assert message.subject == f"TOM-Anlage Version 1 für {customer.name}: gilt ab {date}"
    assert message.body.startswith("Hallo Eva Roth,")
    assert "Dies ist die erste veröffentlichte Version Ihrer Anlage" in message.body
