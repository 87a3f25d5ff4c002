"""The demo seed's sub-processors, its pending change with one objection, and the records of processing."""

import pytest
from django.core import mail

from controls import demo
from controls.exports import tom_annex_snapshot
from controls.exports_subprocessors import processing_record_snapshot
from controls.models import Control, Evidence
from controls.models_subprocessors import ChangeNotice, NoticeState, ProcessingCategory, SubProcessor
from controls.selectors_subprocessors import customer_subprocessors
from portal.accounts.demo import seed_users
from portal.exports.registry import ALL_SUBJECTS

pytestmark = pytest.mark.django_db

AWS = "Amazon Web Services EMEA SARL"


def _counts():
    return (SubProcessor.objects.count(), ChangeNotice.objects.count(), ProcessingCategory.objects.count(),
            Evidence.objects.count())


def test_the_demo_seeds_three_sub_processors_a_pending_change_with_an_objection_and_records_once(
        django_capture_on_commit_callbacks):
    seed_users()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert sorted(SubProcessor.objects.values_list("slug", flat=True)) == ["aws", "deskly", "mailflow"]
    assert SubProcessor.objects.get(slug="mailflow").countries_outside_eea() == ["US"]
    notices = ChangeNotice.objects.select_related("change", "customer")
    assert {n.customer.slug for n in notices} == {"northwind-health", "fabrikam-finance"}
    objected = notices.get(response=ChangeNotice.Response.OBJECTED)
    assert objected.customer.slug == "northwind-health"
    assert objected.state() == NoticeState.OBJECTED
    assert notices.get(customer__slug="fabrikam-finance").state() == NoticeState.AWAITING_APPROVAL
    # Each in its contract's language: Northwind's is German, Fabrikam's English.
    subjects = {m.to[0]: m.subject for m in mail.outbox
                if m.subject.startswith(("Sub-processor change", "Änderung bei Unterauftragsverarbeitern"))}
    assert len(subjects) == 2
    assert subjects[objected.recipient_email].startswith("Änderung bei Unterauftragsverarbeitern")
    northwind = objected.customer
    assert {e.subprocessor.slug: e.state for e in customer_subprocessors(northwind)} == {
        "aws": NoticeState.EFFECTIVE, "mailflow": NoticeState.EFFECTIVE, "deskly": NoticeState.OBJECTED}

    # The records of processing: every point filled for every customer.
    records = processing_record_snapshot(ALL_SUBJECTS)["records"]
    assert [r["slug"] for r in records] == ["contoso-retail", "fabrikam-finance", "northwind-health"]
    assert all(r["c"] and r["b"] for r in records)
    assert all(r["a"]["controller"]["address"] and r["a"]["controller"]["dpo"] for r in records)

    # The hosting provider is the one the catalogue names (AWS KMS; eu-central-1, eu-west-1), with its DPA as an
    # evidence file and its certificate's validity.
    aws = SubProcessor.objects.select_related("dpa_evidence", "certification_evidence").get(slug="aws")
    assert "AWS KMS" in Control.objects.get(reference="TOM-ENC-02").parameters["key_store"]
    assert all(region in aws.location_text() for region in ("eu-central-1", "eu-west-1"))
    assert aws.dpa_evidence.kind == Evidence.Kind.FILE and aws.dpa_evidence.sha256
    assert aws.certification_evidence.valid_until > aws.certification_evidence.valid_from
    # The annex attributes the data centres' physical security to it, not the visitor management in offices.
    annex = tom_annex_snapshot("northwind-health")
    physical = [i for s in annex["sections"] for i in s["items"] if i["reference"].startswith("TOM-PHY-0")]
    assert {i["reference"]: i.get("performed_by") for i in physical} == {
        "TOM-PHY-01": [AWS], "TOM-PHY-02": [AWS], "TOM-PHY-03": None}

    counts = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert _counts() == counts
