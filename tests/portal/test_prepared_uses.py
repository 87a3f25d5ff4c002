"""Every PreparedQuery the application holds gives what its ORM query gives, row for row and field for field.

The instances are found through their own registration (portal.core.prepared.prepared_queries), not from a
list kept here. tests/integration/test_prepared_postgresql.py runs this again on PostgreSQL.
"""

import pytest
from django.apps import apps
from django_otp.models import Device

from portal.accounts import backends
from portal.accounts import middleware as accounts_middleware
from portal.accounts.models import BackupCodeDevice, TOTPDevice
from portal.core.prepared import PreparedQuery, prepared_queries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj):
    if isinstance(obj, tuple | str | int) or obj is None:
        return obj
    deferred = obj.get_deferred_fields()
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in deferred}
    cached = {name: _fields(value) for name, value in obj._state.fields_cache.items()}  # select_related
    return type(obj), values, deferred, cached


def application_queries() -> list[PreparedQuery]:
    """Every prepared query of the application's modules, the per-device ones made for every device model."""
    for model in apps.get_models():
        if issubclass(model, Device):
            accounts_middleware._device_by_pk(model._meta.label_lower)
    return [query for query in prepared_queries() if not query.build.__module__.startswith("tests.")]


@pytest.fixture
def world():
    user = UserFactory(roles=["DPO"], full_name="Dana Dpo")
    other = UserFactory(full_name="", email="rev@annex.test", is_active=False)
    totp = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    codes = BackupCodeDevice.objects.create(user=other, name="Backup codes", confirmed=False)
    return [user.pk, other.pk, totp.pk, codes.pk]


def test_the_application_prepares_only_the_session_user_and_its_device():
    queries = application_queries()
    modules = {query.build.__module__ for query in queries}
    assert modules == {backends.__name__, accounts_middleware.__name__}
    assert backends._user_by_pk in queries


def test_every_prepared_read_gives_what_its_orm_query_gives(world):
    found = 0
    for query in application_queries():
        assert query.arg_types == (int,), f"{query.build.__qualname__}: extend this test to its argument types"
        for pk in [*world, 0, max(world) + 1000]:
            got, expected = query(pk), list(query.build(pk))
            assert [_fields(row) for row in got] == [_fields(row) for row in expected], query.build.__qualname__
            found += len(got)
    assert found >= len(world), "the fixture should give every query rows"


def test_an_integer_beyond_64_bits_finds_nothing_as_through_the_orm(world):
    assert backends._user_by_pk(2**70) == []
