"""The demo seed's sub-processors, its pending change with one objection, and the records of processing."""

import pytest
from django.core import mail

from controls import demo
from controls.exports_subprocessors import processing_record_snapshot
from controls.models_subprocessors import ChangeNotice, NoticeState, ProcessingCategory, SubProcessor
from controls.selectors_subprocessors import customer_subprocessors
from portal.accounts.demo import seed_users
from portal.exports.registry import ALL_SUBJECTS

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_three_sub_processors_a_pending_change_with_an_objection_and_records_once(
        django_capture_on_commit_callbacks):
    seed_users()
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert sorted(SubProcessor.objects.values_list("slug", flat=True)) == ["deskly", "eu-datacenter",
                                                                          "postmark-mail"]
    assert SubProcessor.objects.get(slug="postmark-mail").countries_outside_eea() == ["US"]
    notices = ChangeNotice.objects.select_related("change", "customer")
    assert {n.customer.slug for n in notices} == {"northwind-health", "fabrikam-finance"}
    objected = notices.get(response=ChangeNotice.Response.OBJECTED)
    assert objected.customer.slug == "northwind-health"
    assert objected.state() == NoticeState.OBJECTED
    assert notices.get(customer__slug="fabrikam-finance").state() == NoticeState.AWAITING_APPROVAL
    assert len(mail.outbox) == 2
    northwind = objected.customer
    assert {e.subprocessor.slug: e.state for e in customer_subprocessors(northwind)} == {
        "eu-datacenter": NoticeState.EFFECTIVE, "postmark-mail": NoticeState.EFFECTIVE,
        "deskly": NoticeState.OBJECTED}
    records = processing_record_snapshot(ALL_SUBJECTS)["records"]
    assert [r["slug"] for r in records] == ["contoso-retail", "fabrikam-finance", "northwind-health"]
    assert all(r["c"] and r["b"] for r in records)
    counts = (SubProcessor.objects.count(), ChangeNotice.objects.count(), ProcessingCategory.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed()
    assert (SubProcessor.objects.count(), ChangeNotice.objects.count(),
            ProcessingCategory.objects.count()) == counts
