"""Notices to a customer go out in its contract language; certificates in their reader's; the demo shows both."""

from datetime import date

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import translation

from controls import services_subprocessors as sp_services
from controls.models import Customer
from incidents import services as incident_services
from portal.accounts.roles import Role
from tests.controls.factories import CustomerFactory, ServiceFactory
from tests.controls.factories_subprocessors import SubProcessorFactory
from tests.factories import UserFactory
from tests.incidents.factories import open_case, responder

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _announce_to(customer):
    dpo = UserFactory(roles=[Role.DPO])
    hosting = ServiceFactory(slug="hosting")
    customer.services.set([hosting])
    with TestCase.captureOnCommitCallbacks(execute=True), translation.override("en"):
        sp_services.subprocessor_change_open(
            actor=dpo, subprocessor=SubProcessorFactory(legal_name="Mailer Inc."), kind="addition",
            services=[hosting], reason="Better deliverability.", planned_from=TODAY)
    [message] = mail.outbox
    return message


@time_machine.travel(TODAY, tick=False)
def test_a_sub_processor_change_notice_is_written_in_the_customers_contract_language():
    message = _announce_to(CustomerFactory(contract_language=Customer.ContractLanguage.GERMAN))
    assert message.subject == "Änderung bei Unterauftragsverarbeitern: Mailer Inc. hinzugenommen (ab 01.04.2026)"
    assert "Mailer Inc." in message.body and "Sub-processor" not in message.body


@time_machine.travel(TODAY, tick=False)
def test_a_bilingual_contract_gets_the_german_notice_then_the_english_one():
    message = _announce_to(CustomerFactory(contract_language=Customer.ContractLanguage.BILINGUAL))
    german, english = message.subject.split(" / ")
    assert german.startswith("Änderung bei Unterauftragsverarbeitern") and english.startswith("Sub-processor change")
    first, second = message.body.split("----------")
    assert "Unterauftragsverarbeiter" in first and "sub-processor" in second.lower()


def test_a_breach_notice_email_to_a_german_customer_has_a_german_subject():
    owner = responder()
    customer = CustomerFactory(notice_contact_email="datenschutz@kunde.example",
                               contract_language=Customer.ContractLanguage.GERMAN)
    incident = open_case(owner, customers=[customer])
    mail.outbox = []
    with TestCase.captureOnCommitCallbacks(execute=True), translation.override("en"):
        incident_services.notice_record(incident=incident, actor=owner, obligation=incident.obligations.get(),
                                        channel="email", content="Meldung.")
    [message] = mail.outbox
    assert message.subject == f"Meldung einer Verletzung des Schutzes personenbezogener Daten: {incident.reference}"


def test_a_german_employee_gets_a_german_certificate_and_an_english_one_an_english_one(signed_in):
    from django.urls import reverse

    from tests.exports.conftest import pdf_text
    from tests.training.factories import AssignmentFactory, full_course
    from training.models import Assignment

    texts = {}
    for language in ("de", "en"):
        client, user = signed_in(Role.EMPLOYEE, language=language)
        assignment = AssignmentFactory(user=user, course=full_course(), status=Assignment.Status.COMPLETED,
                                       completed_at="2026-03-02T10:00Z", score_percent=90)
        response = client.get(reverse("training:certificate", args=[assignment.pk]))
        texts[language] = pdf_text(b"".join(response.streaming_content))
        client.logout()
    assert "Schulungszertifikat" in texts["de"] and "Abgeschlossen am 02.03.2026" in texts["de"]
    assert "Training certificate" in texts["en"] and "Completed on 2 Mar 2026" in texts["en"]


def test_the_training_report_workbook_is_in_the_requesters_language_with_real_dates(tmp_path):
    from datetime import timedelta

    from django.utils import timezone
    from openpyxl import load_workbook

    from portal.exports.registry import ALL_SUBJECTS, get_kind
    from portal.exports.rendering import render_document
    from tests.training.factories import AssignmentFactory, full_course
    from training.exports import REPORT_XLSX

    due = timezone.localdate() - timedelta(days=3)
    AssignmentFactory(course=full_course(), due_date=due)
    dpo = UserFactory(roles=[Role.DPO], language="de")
    path = tmp_path / "report.xlsx"
    with path.open("wb") as target, translation.override("en"):
        render_document(get_kind(REPORT_XLSX), ALL_SUBJECTS, target, user=dpo)
    book = load_workbook(path)
    assert "Überfällig" in book.sheetnames
    cell = book["Überfällig"]["D2"]
    assert cell.value.date() == due and cell.number_format == "DD.MM.YYYY"
