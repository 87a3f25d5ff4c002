"""The demo shows the annex's notice period: one customer's version 2 waits for its notice period to run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from controls import demo_annex
from controls.models import Control
from controls.models_annex import AnnexNotice, AnnexNoticeState, AnnexTerms
from controls.services_annex import version_in_force
from portal.accounts.demo import DEMO_DOMAIN, seed_users
from portal.accounts.models import User
from portal.exports.models import AnnexVersion
from tests.controls.factories import ControlFactory, CustomerFactory, StatedControlFactory

pytestmark = pytest.mark.django_db


def test_the_demo_leaves_one_customers_new_annex_version_in_its_notice_period_once():
    seed_users()
    dpo = User.objects.get(email=f"dpo@{DEMO_DOMAIN}")
    customer = CustomerFactory(slug=demo_annex.NOTICE_CUSTOMER, notice_contact_email="dataprotection@fabrikam.example")
    AnnexTerms.objects.create(customer=customer, planned_measures=AnnexTerms.Planned.OMIT, notice_days=14)
    StatedControlFactory(reference="TOM-ENC-01")
    today = timezone.localdate()
    ControlFactory(reference="TOM-LOG-03", status=Control.Status.PLANNED, planned_for=today + timedelta(days=60))

    version = demo_annex.seed_notice_period(dpo)

    assert version.number == 2 and version.effective_on == today + timedelta(days=14)
    assert [item["reference"] for item in version.snapshot["planned"]] == ["TOM-LOG-03"]
    notice = AnnexNotice.objects.get(annex_version=version)
    assert (notice.previous_number, notice.reductions, notice.state()) == (1, [], AnnexNoticeState.PENDING)
    assert version_in_force(customer.slug).number == 1
    assert demo_annex.seed_notice_period(dpo) is None
    assert AnnexVersion.objects.filter(subject_key=customer.slug).count() == 2


def test_the_demo_publishes_nothing_for_a_customer_whose_annex_waits_for_a_decision():
    seed_users()
    dpo = User.objects.get(email=f"dpo@{DEMO_DOMAIN}")
    customer = CustomerFactory(slug=demo_annex.NOTICE_CUSTOMER)
    AnnexTerms.objects.create(customer=customer, planned_measures=AnnexTerms.Planned.OMIT)
    ControlFactory(status=Control.Status.NEEDS_ATTENTION)
    assert demo_annex.seed_notice_period(dpo) is None
    assert not AnnexVersion.objects.exists()
