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


@pytest.mark.django_db
def test_the_demo_publishes_a_german_and_a_bilingual_annex_too():
    seed_users()
    CustomerFactory(name="Acme Health", slug="acme", contract_language="en")
    CustomerFactory(name="Kunde GmbH", slug="kunde", contract_language="de")
    CustomerFactory(name="Zweisprachig AG", slug="zwei", contract_language="bilingual")
    CustomerFactory(name="Zeta Logistics", slug="zeta", contract_language="de")
    StatedControlFactory()
    versions = {v.subject_key: v for v in demo.seed()}
    assert sorted(versions) == ["acme", "kunde", "zwei"]
    assert versions["kunde"].snapshot["languages"] == ["de"]
    assert versions["kunde"].snapshot["title"] == "Technische und organisatorische Maßnahmen"
    assert versions["zwei"].snapshot["languages"] == ["de", "en"]
    assert demo.seed() == []
