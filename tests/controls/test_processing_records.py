"""Records of processing (Art. 30(2)), the customer's sub-processor list as a document, the annex's
sub-processor paragraph and the assessment reminder."""

import io
from datetime import date, timedelta

import pytest
import time_machine

from controls import services_subprocessors as services
from controls.exports import TOM_ANNEX, tom_annex_snapshot, tom_annex_snapshots
from controls.exports_subprocessors import (
    PROCESSING_RECORD,
    PROCESSING_RECORD_XLSX,
    SUBPROCESSOR_LIST,
    processing_record_snapshot,
    processing_record_snapshots,
    subprocessor_list_snapshot,
)
from controls.models_subprocessors import ProcessorDetails, SubProcessorTerms
from portal.accounts.roles import Role
from portal.exports.registry import ALL_SUBJECTS, get_kind
from portal.exports.rendering import render_document
from portal.exports.selectors import version_verify
from portal.exports.services import annex_publish
from tests.controls.factories import CustomerFactory, ServiceFactory, StatedControlFactory
from tests.controls.factories_subprocessors import ProcessingCategoryFactory, SubProcessorFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)


def _world():
    dpo = UserFactory(roles=[Role.DPO])
    hosting, support = ServiceFactory(slug="hosting", name="Managed hosting"), ServiceFactory(
        slug="support", name="Support desk")
    ProcessorDetails.objects.create(pk=1, name="Annex Processor GmbH", address="Am Markt 1, Berlin",
                                    contact_email="privacy@processor.example", dpo_name="Dana Protection",
                                    dpo_contact="dpo@processor.example")
    ProcessingCategoryFactory(service=hosting, name="Hosting of application data",
                              description="Storage and operation of the controller's application.")
    physical = StatedControlFactory(reference="TOM-PHY-01", title="Biometric access control",
                              scc_category="physical_security")
    dc = SubProcessorFactory(legal_name="EU Datacenter GmbH", slug="eu-dc")
    dc.performed_controls.set([physical])
    mailer = SubProcessorFactory(
        legal_name="Mailer Inc.", slug="mailer",
        locations=[{"country": "IE", "region": "Dublin"}, {"country": "US", "region": "us-east-1"}],
        transfer_mechanism="scc", scc_module="module_3", transfer_details="Encryption before transfer.",
    )
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=dc, services=[hosting], reason="Annex IV.")
    services.subprocessor_record_existing_use(actor=dpo, subprocessor=mailer, services=[support], reason="Annex IV.")
    customer = CustomerFactory(name="Northwind Health GmbH", slug="northwind", notice_contact_name="Greta",
                               notice_contact_email="greta@northwind.example")
    customer.services.set([hosting, support])
    SubProcessorTerms.objects.create(customer=customer, controller_address="Nordweg 2, Hamburg",
                                     controller_dpo="Dr. Olaf Data, dpo@northwind.example")
    return dpo, customer


def test_the_record_of_processing_has_all_its_points_filled_from_the_register():
    _world()
    [record] = processing_record_snapshot("northwind")["records"]
    # (a) processor, its DPO, the controller and its DPO
    assert record["a"]["processor"]["name"] == "Annex Processor GmbH"
    assert record["a"]["processor"]["dpo"] == "Dana Protection"
    assert record["a"]["controller"]["name"] == "Northwind Health GmbH"
    assert record["a"]["controller"]["address"] == "Nordweg 2, Hamburg"
    assert record["a"]["controller"]["dpo"].startswith("Dr. Olaf Data")
    assert "greta@northwind.example" in record["a"]["controller"]["contact"]
    assert [s["name"] for s in record["a"]["subprocessors"]] == ["EU Datacenter GmbH", "Mailer Inc."]
    # (b) categories of processing, from the customer's services
    assert [(b["service"], [c["name"] for c in b["categories"]]) for b in record["b"]] == [
        ("Managed hosting", ["Hosting of application data"]), ("Support desk", [])]
    # (c) transfers to third countries with their safeguards, from the sub-processors
    [transfer] = record["c"]
    assert transfer["subprocessor"] == "Mailer Inc." and transfer["countries"] == ["US"]
    assert transfer["mechanism"].startswith("Standard contractual clauses") and "Module 3" in transfer["scc_module"]
    # It names the locations outside the EEA, not those inside.
    assert transfer["locations_outside_eea"] == "US: us-east-1"
    # (d) a general description of the measures, from the customer's annex
    assert record["d"]["measure_count"] == 1
    assert [c["measures"] for c in record["d"]["categories"]] == [["Biometric access control"]]


def test_the_whole_set_holds_every_active_customers_record_in_a_fixed_number_of_queries(
        django_assert_max_num_queries):
    _world()
    with django_assert_max_num_queries(30) as few:
        whole = processing_record_snapshot(ALL_SUBJECTS)
    assert [r["slug"] for r in whole["records"]] == ["northwind"]
    hosting = ServiceFactory(slug="hosting")
    for _ in range(8):
        CustomerFactory().services.set([hosting])
    CustomerFactory(is_active=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        whole = processing_record_snapshots([ALL_SUBJECTS])[ALL_SUBJECTS]
    assert len(whole["records"]) == 9


def test_the_record_is_a_pdf_and_a_workbook():
    from openpyxl import load_workbook

    _world()
    pdf = io.BytesIO()
    render_document(get_kind(PROCESSING_RECORD), "northwind", pdf)
    assert pdf.getvalue().startswith(b"%PDF")
    xlsx = io.BytesIO()
    render_document(get_kind(PROCESSING_RECORD_XLSX), ALL_SUBJECTS, xlsx)
    rows = list(load_workbook(xlsx).worksheets[0].iter_rows(values_only=True))
    points = {row[1] for row in rows[1:]}
    assert points == {"(a)", "(b)", "(c)", "(d)"}
    transfer_row = rows[[r[2] for r in rows].index("Mailer Inc.", 10)]
    assert transfer_row[:3] == ("Northwind Health GmbH", "(c)", "Mailer Inc.")
    assert transfer_row[3].startswith("US: us-east-1: Standard contractual clauses")


def test_the_customers_sub_processor_list_is_a_versioned_verifiable_document():
    dpo, _customer = _world()
    content = subprocessor_list_snapshot("northwind")
    engaged = content["sections"][0]["items"]
    assert [i["title"] for i in engaged] == ["EU Datacenter GmbH", "Mailer Inc."]
    assert engaged[1]["transfer"]["countries_outside_eea"] == ["US"]
    version = annex_publish(kind_name=SUBPROCESSOR_LIST, subject_key="northwind", actor=dpo)
    assert version.number == 1
    assert version_verify(version.snapshot_sha256)["genuine"] is True


@time_machine.travel(TODAY, tick=False)
def test_an_announced_sub_processor_shows_as_announced_not_engaged():
    dpo, customer = _world()
    newcomer = SubProcessorFactory(legal_name="Helpdesk AB", slug="helpdesk")
    services.subprocessor_change_open(actor=dpo, subprocessor=newcomer, kind="addition",
                                      services=[customer.services.get(slug="support")], reason="New ticketing.",
                                      planned_from=TODAY)
    content = subprocessor_list_snapshot("northwind")
    assert "Helpdesk AB" not in [i["title"] for i in content["sections"][0]["items"]]
    [announced] = content["sections"][1]["items"]
    assert announced["title"] == "Helpdesk AB" and announced["takes_effect_on"] == "2026-04-01"


def test_the_annex_names_the_sub_processors_measures_and_attributes_the_data_centre_measures():
    _world()
    snapshot = tom_annex_snapshot("northwind")
    part = snapshot["subprocessor_measures"]
    assert part["closing_sentence"].startswith("For transfers to (sub-) processors")
    assert [sp["name"] for sp in part["subprocessors"]] == ["EU Datacenter GmbH", "Mailer Inc."]
    [physical] = [i for s in snapshot["sections"] for i in s["items"] if i["reference"] == "TOM-PHY-01"]
    assert physical["performed_by"] == ["EU Datacenter GmbH"]
    # The batch form says the same, and a customer without hosting sees no attribution.
    other = CustomerFactory(slug="other")
    other.services.set([ServiceFactory(slug="support")])
    both = tom_annex_snapshots(["northwind", "other", ALL_SUBJECTS])
    assert both["northwind"] == snapshot
    assert [sp["name"] for sp in both["other"]["subprocessor_measures"]["subprocessors"]] == ["Mailer Inc."]
    [item] = [i for s in both["other"]["sections"] for i in s["items"] if i["reference"] == "TOM-PHY-01"]
    assert "performed_by" not in item
    pdf = io.BytesIO()
    render_document(get_kind(TOM_ANNEX), "northwind", pdf)
    assert pdf.getvalue().startswith(b"%PDF")


def test_the_reminder_for_an_assessment_fires_once():
    from portal.notifications.models import Notification
    from portal.notifications.sweep import reminders_sweep

    owner = UserFactory(roles=[Role.DPO])
    SubProcessorFactory(legal_name="EU Datacenter GmbH", owner=owner, next_assessment_due=TODAY + timedelta(days=7))
    with time_machine.travel(TODAY, tick=False):
        reminders_sweep()
        reminders_sweep()
    # One notice, on each of the owner's channels (in the portal and by email).
    notices = Notification.objects.filter(reason="controls.subprocessor_assessment_due")
    assert sorted((n.recipient, n.channel, n.title) for n in notices) == [
        (owner, channel, "Assessment of the sub-processor EU Datacenter GmbH is due in 7 days")
        for channel in sorted({n.channel for n in notices})]
    assert notices.count() == len({n.channel for n in notices})
    count = notices.count()
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        reminders_sweep()
    assert notices.count() == count


def test_a_category_edited_from_a_stale_form_is_refused_and_keeps_the_other_edit_and_the_typed_text(client):
    from django.urls import reverse

    from tests.conftest import sign_in

    dpo = UserFactory(roles=[Role.DPO])
    category = ProcessingCategoryFactory(service=ServiceFactory(), description="original")
    form = {"service": category.service.pk, "name": category.name, "data_subjects": "", "personal_data": "",
            "expected_version": category.version}
    sign_in(client, dpo)
    url = reverse("subprocessors:category_edit", args=[category.pk])

    assert client.post(url, {**form, "description": "B's description"}).status_code == 302
    stale = client.post(url, {**form, "description": "original", "data_subjects": "A's patients"})

    assert stale.status_code == 200 and "Someone else changed this category" in stale.content.decode()
    assert "A&#x27;s patients" in stale.content.decode() or "A's patients" in stale.content.decode()
    category.refresh_from_db()
    assert (category.description, category.data_subjects) == ("B's description", "")


def test_a_removed_category_can_be_read_back_whole_from_the_audit_trail():
    from controls import services_records
    from portal.audit.models import AuditEvent

    category = ProcessingCategoryFactory(service=ServiceFactory(slug="hosting"), data_subjects="Patients",
                                         personal_data="Health data")
    services_records.processing_category_remove(category=category, actor=UserFactory(roles=[Role.DPO]))

    event = AuditEvent.objects.get(action="processing.category_removed")
    assert {name: change["before"] for name, change in event.changes.items()} == {
        "service": "hosting", "name": category.name, "description": category.description,
        "data_subjects": "Patients", "personal_data": "Health data"}
