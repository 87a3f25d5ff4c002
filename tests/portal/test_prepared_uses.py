"""Every PreparedQuery the application runs gives what its ORM query gives, row for row and field for field.

tests/integration/test_prepared_postgresql.py runs this again on PostgreSQL.
"""

import datetime

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from controls import forms as control_forms
from controls import selectors
from controls.models import Control, Customer, Evidence, Review, Service
from portal.accounts import backends
from portal.accounts import middleware as accounts_middleware
from portal.accounts import models as accounts_models
from portal.audit import context as audit_context
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.core import views as core_views
from portal.core.prepared import PreparedQuery
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj):
    if isinstance(obj, tuple | str | int) or obj is None:
        return obj
    deferred = obj.get_deferred_fields()
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.attname not in deferred}
    cached = {name: _fields(value) for name, value in obj._state.fields_cache.items()}  # select_related
    return type(obj), values, deferred, cached


@pytest.fixture
def world():
    user = UserFactory(roles=["DPO"], full_name="Dana Dpo")
    reviewer = UserFactory(full_name="", email="rev@annex.test")
    web, api = Service.objects.create(slug="web", name="Web"), Service.objects.create(slug="api", name="API")
    control = Control.objects.create(
        reference="PU-001", title="Backups are encrypted", description="At rest.", scc_category="encryption",
        owner=user, status=Control.Status.IMPLEMENTED, next_review_due=datetime.date(2027, 1, 31),
        applies_to_all_services=False,
    )
    control.services.add(web, api)
    control.related.add(Control.objects.create(reference="PU-002", title="Keys", description=".",
                                                scc_category="encryption"))
    Review.objects.create(control=control, reviewer=reviewer, outcome=Review.Outcome.EFFECTIVE, notes="ok",
                          reviewed_on=datetime.date(2026, 11, 2), next_review_due=datetime.date(2027, 11, 2))
    Review.objects.create(control=control, reviewer=None, outcome=Review.Outcome.EFFECTIVE, notes="gone",
                          reviewed_on=datetime.date(2025, 11, 2), next_review_due=datetime.date(2026, 11, 2))
    Evidence.objects.create(control=control, kind=Evidence.Kind.LINK, title="Policy", url="https://annex.test/p",
                            uploaded_by=user, removed_by=reviewer,
                            removed_at=datetime.datetime(2026, 11, 3, 9, 30, tzinfo=datetime.UTC))
    Customer.objects.create(name="Zeta GmbH", slug="zeta", contract_reference="DPA-1", notice_contact_name="Z",
                            notice_contact_email="z@zeta.test")
    Customer.objects.create(name="Alpha Ltd", slug="alpha", contract_reference="DPA-2", notice_contact_name="A",
                            notice_contact_email="a@alpha.test")
    request = audit_context.RequestContext(ip="::ffff:192.0.2.7", user_agent="Firefox", request_id="r1")
    token = audit_context.bind(request)
    try:
        audit_record(action=AuditAction.LOGIN, actor=user, target=user)
        audit_record(action=AuditAction.LOGIN_FAILED, target_type="accounts.user", target_id=str(user.pk))
        audit_record(action="control.updated", actor=user, target=control, changes={"title": ["Old", "New"]})
    finally:
        audit_context.reset(token)
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    return user, control, device


def _uses(user, control, device) -> list[tuple[str, PreparedQuery, tuple]]:
    return [
        ("control", selectors._control, (control.pk,)),
        ("services", selectors._services, (control.pk,)),
        ("related", selectors._related, (control.pk,)),
        ("reviews", selectors._reviews, (control.pk,)),
        ("evidence", selectors._evidence, (control.pk,)),
        ("history", selectors._history, ("controls.control", str(control.pk))),
        ("customer options", selectors._customer_options, ()),
        ("control owners", control_forms._control_owners, ()),
        ("own sign-ins", core_views._signed_in_as, (user.pk,)),
        ("passwords tried", core_views._tried_on, (str(user.pk),)),
        ("role names", accounts_models._role_names, (user.pk,)),
        ("session user", backends._user_by_pk, (user.pk,)),
        ("session device", accounts_middleware._device_by_pk("otp_totp.totpdevice"), (device.pk,)),
    ]


def test_every_prepared_read_gives_what_its_orm_query_gives(world):
    for name, prepared, args in _uses(*world):
        got, expected = prepared(*args), list(prepared.build(*args))
        assert expected, f"{name}: the fixture should give it rows"
        assert [_fields(row) for row in got] == [_fields(row) for row in expected], name


def test_an_integer_beyond_64_bits_finds_nothing_as_through_the_orm(world):
    assert selectors._control(2**70) == [] == list(Control.objects.filter(pk=2**70))
