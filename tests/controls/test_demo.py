from datetime import timedelta

import pytest
from django.utils import timezone

from controls import demo
from controls.models import Control, Customer, CustomerControlOverride
from portal.accounts.demo import seed_users

pytestmark = pytest.mark.django_db


def test_the_demo_seed_owns_dates_and_customers_and_is_idempotent():
    seed_users()
    demo.seed()
    fields = ("reference", "owner_id", "status", "next_review_due", "version")
    snapshot = list(Control.objects.values_list(*fields))
    today = timezone.localdate()
    assert Control.objects.filter(owner__isnull=True).count() == 0
    assert Control.objects.filter(next_review_due__lt=today).exists()
    assert Control.objects.filter(next_review_due__gte=today, next_review_due__lte=today + timedelta(days=31)).exists()
    assert Customer.objects.count() == 3
    assert CustomerControlOverride.objects.count() == 2
    demo.seed()
    assert list(Control.objects.values_list(*fields)) == snapshot
    assert Customer.objects.count() == 3


def test_the_demo_seed_adds_evidence_including_expiring_and_expired_items_once():
    from controls.models import Evidence

    seed_users()
    demo.seed()
    today = timezone.localdate()
    current = Evidence.objects.filter(removed_at__isnull=True)
    assert current.filter(kind=Evidence.Kind.FILE).count() >= 2
    assert current.filter(valid_until__gte=today, valid_until__lte=today + timedelta(days=14)).exists()
    expired = current.get(valid_until__lt=today)
    assert expired.control.status == Control.Status.NEEDS_ATTENTION
    assert expired.control.attention_reason == "all evidence has expired"
    count = Evidence.objects.count()
    demo.seed()
    assert Evidence.objects.count() == count
