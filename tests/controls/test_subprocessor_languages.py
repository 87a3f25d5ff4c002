"""The customer's sub-processor list, its record of processing and the change notice follow the contract language."""

import io
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from django.utils.formats import date_format

from controls import services_subprocessors as services
from controls.exports_subprocessors import (
    PROCESSING_RECORD,
    PROCESSING_RECORD_XLSX,
    SUBPROCESSOR_LIST,
    processing_record_snapshot,
    subprocessor_list_snapshot,
)
from controls.models import Customer
from portal.accounts.roles import Role
from portal.exports.registry import get_kind
from portal.exports.rendering import content_sha256, render_document
from tests.controls.factories import CustomerFactory, ServiceFactory
from tests.controls.factories_subprocessors import SubProcessorFactory
from tests.exports.conftest import pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _customer(language: str) -> Customer:
    dpo = UserFactory(roles=[Role.DPO])
    support = ServiceFactory(slug="support", name="Support desk")
    mailer = SubProcessorFactory(legal_name="Mailer Inc.", locations=[{"country": "US", "region": "Virginia"}],
                                 transfer_mechanism="scc", scc_module="module_3")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=mailer, services=[support], reason="IV.")
    customer = CustomerFactory(slug="kunde", name="Kunde GmbH", contract_language=language,
                               notice_contact_email="dsb@kunde.example")
    customer.services.set([support])
    return customer


def _pdf(kind_name: str, subject: str) -> str:
    target = io.BytesIO()
    render_document(get_kind(kind_name), subject, target)
    return pdf_text(target.getvalue())


def test_a_german_customers_sub_processor_list_is_in_german():
    _customer(Customer.ContractLanguage.GERMAN)
    with translation.override("en"):  # whoever asks
        text = _pdf(SUBPROCESSOR_LIST, "kunde")
    assert "Liste der Unterauftragsverarbeiter" in text and "Standardvertragsklauseln" in text
    assert "List of sub-processors" not in text and "Standard contractual clauses" not in text


def test_a_bilingual_list_and_record_carry_both_languages():
    _customer(Customer.ContractLanguage.BILINGUAL)
    with translation.override("en"):
        listing = _pdf(SUBPROCESSOR_LIST, "kunde")
        record = _pdf(PROCESSING_RECORD, "kunde")
    for german, english in (("Liste der Unterauftragsverarbeiter", "List of sub-processors"),
                            ("Verarbeitungsorte", "Processing locations"),
                            ("Standardvertragsklauseln", "Standard contractual clauses")):
        assert german in listing and english in listing, (german, english)
    assert listing.index("Verarbeitungsorte") < listing.index("Processing locations")
    assert "Datenschutzbeauftragter des Verantwortlichen" in record or "Verantwortlicher" in record
    assert "Controller's data protection officer" in record


def test_the_content_and_its_fingerprint_do_not_depend_on_who_reads_it_nor_on_the_day():
    _customer(Customer.ContractLanguage.GERMAN)
    with time_machine.travel(TODAY, tick=False), translation.override("de"):
        german_reader = (subprocessor_list_snapshot("kunde"), processing_record_snapshot("kunde"))
    with time_machine.travel(date(2026, 3, 9), tick=False), translation.override("en"):
        english_reader = (subprocessor_list_snapshot("kunde"), processing_record_snapshot("kunde"))
    assert [content_sha256(c) for c in german_reader] == [content_sha256(c) for c in english_reader]


def test_the_record_workbook_is_in_the_contract_language():
    from openpyxl import load_workbook

    _customer(Customer.ContractLanguage.GERMAN)
    target = io.BytesIO()
    with translation.override("en"):
        render_document(get_kind(PROCESSING_RECORD_XLSX), "kunde", target)
    sheets = load_workbook(target).worksheets
    header = next(sheets[0].iter_rows(values_only=True))
    assert header[0] == "Kunde"
    transfer = [row for row in sheets[0].iter_rows(values_only=True) if row[1] == "(c)"]
    assert transfer[0][3].startswith("US: Virginia: Standardvertragsklauseln")


@time_machine.travel(TODAY, tick=False)
def test_the_change_notice_is_written_in_the_contract_language(django_capture_on_commit_callbacks):
    customer = _customer(Customer.ContractLanguage.BILINGUAL)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.subprocessor_change_open(
            actor=UserFactory(roles=[Role.DPO]), subprocessor=SubProcessorFactory(legal_name="Deskly Oy"),
            kind="addition", services=list(customer.services.all()), reason="Neues Ticketsystem.",
            planned_from=TODAY)
    [message] = mail.outbox
    assert message.subject.startswith("Änderung bei Unterauftragsverarbeitern") or " / " in message.subject
    german, english = message.body.split("\n\n----------\n\n")
    takes_effect = date(2026, 4, 1)
    for language, body, heading in (("de", german, "Was sich ändert"), ("en", english, "What changes")):
        with translation.override(language):
            assert heading in body and date_format(takes_effect) in body, (language, body)
