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
