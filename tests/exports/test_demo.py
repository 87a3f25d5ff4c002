import pytest

from portal.accounts.demo import seed_users
from portal.exports import demo
from portal.exports.models import AnnexVersion
from tests.controls.factories import CustomerFactory, StatedControlFactory


@pytest.mark.django_db
def test_the_demo_publishes_version_1_for_one_customer_once():
    seed_users()
    CustomerFactory(name="Acme Health GmbH", slug="acme")
    CustomerFactory(name="Zeta Logistics", slug="zeta")
    StatedControlFactory()
    assert [v.subject_key for v in demo.seed()] == ["acme"]
    assert demo.seed() == []
    assert AnnexVersion.objects.get().number == 1


@pytest.mark.django_db
def test_the_demo_publishes_nothing_without_customers_or_controls():
    seed_users()
    assert demo.seed() == []
    CustomerFactory(slug="acme")
    assert demo.seed() == []
    assert not AnnexVersion.objects.exists()
