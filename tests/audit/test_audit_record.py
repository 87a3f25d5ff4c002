import pytest
from django.db.models import ProtectedError

from portal.audit import context
from portal.audit.models import AuditAction, AuditEvent, normalise_ip
from portal.audit.services import audit_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_event_links_to_the_one_before():
    first = audit_record(action=AuditAction.LOGIN)
    second = audit_record(action=AuditAction.LOGOUT)

    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert first.hash_is_intact() and second.hash_is_intact()


def test_the_hash_read_back_from_the_database_still_matches():
    token = context.bind(context.RequestContext(ip="::ffff:192.0.2.1", user_agent="UA", request_id="abcdefgh"))
    try:
        audit_record(action=AuditAction.USER_UPDATED, changes={"name": ("Zoë", "Zoé"), "n": (1, 2.5)})
    finally:
        context.reset(token)

    stored = AuditEvent.objects.get()

    assert stored.ip == "192.0.2.1"
    assert stored.hash_is_intact()


def test_a_changed_field_changes_the_hash():
    event = audit_record(action=AuditAction.LOGIN, target_label="original")
    event.target_label = "forged"

    assert not event.hash_is_intact()


@pytest.mark.parametrize(("given", "expected"), [
    ("::ffff:198.51.100.4", "198.51.100.4"),
    ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
    ("203.0.113.7", "203.0.113.7"),
    ("not an address", None),
    ("", None),
])
def test_addresses_have_one_spelling(given, expected):
    assert normalise_ip(given) == expected


def test_a_user_who_acted_cannot_be_deleted_so_the_trail_never_needs_an_update():
    user = UserFactory()
    audit_record(action=AuditAction.LOGIN, actor=user)

    with pytest.raises(ProtectedError):
        user.delete()


@pytest.mark.django_db
def test_raw_before_after_tuples_are_stored_masked_for_secrets_and_the_targets_personal_fields():
    user = UserFactory(employee_id="E-42")
    event = audit_record(
        action="user.updated", target=user,
        changes={"password": ("old", "new"), "employee_id": ("E-41", "E-42"), "department": ("Ops", "Legal"),
                 "filters": {"q": "x"}},
    )
    assert event.changes == {
        "password": {"before": "***", "after": "***"},
        "employee_id": {"before": "***", "after": "***"},
        "department": {"before": "Ops", "after": "Legal"},
        "filters": {"q": "x"},
    }
