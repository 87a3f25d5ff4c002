"""Every PreparedQuery the application holds gives what its ORM query gives, row for row and field for field.

The instances are found through their own registration (portal.core.prepared.prepared_queries), not from a
list kept here. tests/integration/test_prepared_postgresql.py runs this again on PostgreSQL.
"""

from collections import Counter
from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone
from django_otp.models import Device

from controls import selectors as controls_selectors
from controls.models import Review
from incidents import follow_ups as incident_follow_ups
from incidents.models import Task
from portal.accounts import backends
from portal.accounts import middleware as accounts_middleware
from portal.accounts.models import BackupCodeDevice, TOTPDevice
from portal.audit.services import audit_record
from portal.core.prepared import PreparedQuery, prepared_queries
from tests.controls.factories import ControlFactory, EvidenceFactory, ServiceFactory
from tests.factories import UserFactory
from tests.incidents.factories import open_case

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
    """Rows for every prepared read: people, devices, and a control with all its page shows."""
    user = UserFactory(roles=["DPO"], full_name="Dana Dpo")
    other = UserFactory(full_name="", email="rev@annex.test", is_active=False)
    totp = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    codes = BackupCodeDevice.objects.create(user=other, name="Backup codes", confirmed=False)
    control = ControlFactory(owner=user, applies_to_all_services=False)
    control.services.set([ServiceFactory(), ServiceFactory()])
    control.related.set([ControlFactory(), ControlFactory()])
    Review.objects.create(control=control, reviewer=other, outcome=Review.Outcome.EFFECTIVE,
                          reviewed_on=date(2026, 3, 1), next_review_due=date(2027, 3, 1), notes="Checked.")
    EvidenceFactory(control=control, uploaded_by=user)
    EvidenceFactory(control=control, uploaded_by=other, removed_by=user, removed_at=timezone.now())
    case = open_case(actor=user)
    Task.objects.create(incident=case, title="Rotate the export key", owner=other, control=control,
                        due_on=date(2026, 12, 1), is_follow_up=True)
    Task.objects.create(incident=case, title="Write the lesson up", control=control, is_follow_up=True)
    Task.objects.create(incident=case, title="Done already", control=control, done_at=timezone.now())
    audit_record(action="control.updated", actor=user, target=control, changes={"title": {"before": "a", "after": "b"}})
    audit_record(action="control.reviewed", actor=other, target=control)
    return [user.pk, other.pk, totp.pk, codes.pk, control.pk]


def _arguments(query: PreparedQuery, pks: list[int]) -> list[tuple]:
    if query.arg_types == (int,):
        return [(pk,) for pk in [*pks, 0, max(pks) + 1000]]
    if query.arg_types == (str, str):  # an audit target: (model label, primary key)
        return [("controls.control", str(pk)) for pk in pks] + [("controls.customer", "1"), ("", "")]
    raise AssertionError(f"{query.build.__qualname__}: extend this test to its argument types {query.arg_types}")


def test_prepared_reads_are_the_per_request_ones_and_the_control_page():
    modules = {query.build.__module__ for query in application_queries()}
    assert modules == {backends.__name__, accounts_middleware.__name__, controls_selectors.__name__,
                       incident_follow_ups.__name__}
    assert backends._user_by_pk in application_queries()


def test_every_prepared_read_gives_what_its_orm_query_gives(world):
    found = Counter()
    for query in application_queries():
        # One read per device model; the fixture has TOTP and backup-code devices, not every model.
        code = query.build.__code__
        name = "device" if query.build.__qualname__.startswith("_device_by_pk") else (
            f"{query.build.__module__}:{code.co_firstlineno}")
        found[name] += 0
        for arguments in _arguments(query, world):
            got, expected = query(*arguments), list(query.build(*arguments))
            assert [_fields(row) for row in got] == [_fields(row) for row in expected], name
            found[name] += len(got)
    assert len(found) >= 9 and all(found.values()), f"the fixture should give every query rows: {found}"


def test_an_integer_beyond_64_bits_finds_nothing_as_through_the_orm(world):
    assert backends._user_by_pk(2**70) == []
