"""Writes to the control inventory: permission rules, optimistic concurrency, reviews, audit events."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from controls import services
from controls.models import Control, Review
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _events(control, action):
    return AuditEvent.objects.filter(action=action, target_type="controls.control", target_id=str(control.pk))


def test_create_writes_the_control_and_one_audit_event():
    dpo = UserFactory(roles=[Role.DPO])
    control = services.control_create(
        actor=dpo, reference="tom-new-01", title="Quarterly firewall rule review",
        description="Firewall rules are reviewed every quarter by two engineers; unused rules are removed.",
        scc_category="cia_resilience", art32_points=["b", "b"], parameters={"frequency": "quarterly"},
    )
    assert control.reference == "TOM-NEW-01"
    assert control.art32_points == ["b"]
    event = _events(control, "control.created").get()
    assert event.actor == dpo
    assert event.changes["title"]["after"] == "Quarterly firewall rule review"


def test_create_refuses_an_unknown_category_and_writes_nothing():
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(ValidationError) as excinfo:
        services.control_create(actor=dpo, reference="TOM-X-01", title="x", description="y", scc_category="nope")
    assert "scc_category" in excinfo.value.error_dict
    assert not Control.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_security_officer_may_not_create_controls():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    with pytest.raises(PermissionDenied):
        services.control_create(actor=officer, reference="TOM-X-01", title="x", description="y",
                                scc_category="cia_resilience")


def test_update_records_before_and_after_of_each_changed_field():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(title="Old title", parameters={"tls_min_version": "1.2"})
    services.control_update(control=control, actor=dpo, expected_version=1, title="New title",
                            parameters={"tls_min_version": "1.3"}, status=Control.Status.IMPLEMENTED)
    control.refresh_from_db()
    assert control.version == 2
    event = _events(control, "control.updated").get()
    assert event.changes == {
        "title": {"before": "Old title", "after": "New title"},
        "parameters": {"before": {"tls_min_version": "1.2"}, "after": {"tls_min_version": "1.3"}},
    }


def test_an_update_that_changes_nothing_writes_nothing():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory()
    services.control_update(control=control, actor=dpo, expected_version=1, title=control.title)
    control.refresh_from_db()
    assert control.version == 1
    assert not AuditEvent.objects.exists()


def test_a_stale_update_is_refused_and_overwrites_nothing():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(title="Original")
    services.control_update(control=control, actor=dpo, expected_version=1, title="First editor")
    with pytest.raises(services.StaleVersionError) as excinfo:
        services.control_update(control=control, actor=dpo, expected_version=1, title="Second editor")
    assert "Nothing was saved" in excinfo.value.messages[0]
    control.refresh_from_db()
    assert control.title == "First editor"
    assert control.version == 2
    assert _events(control, "control.updated").count() == 1


def test_a_security_officer_may_update_a_control_they_own():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=officer)
    services.control_update(control=control, actor=officer, expected_version=1, status=Control.Status.VERIFIED)
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED


def test_a_security_officer_may_not_update_someone_elses_control():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=UserFactory(roles=[Role.SECURITY_OFFICER]), title="Untouched")
    with pytest.raises(PermissionDenied):
        services.control_update(control=control, actor=officer, expected_version=1, title="Changed")
    control.refresh_from_db()
    assert control.title == "Untouched"


def test_a_security_officer_may_not_hand_their_control_to_someone_else():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=officer)
    with pytest.raises(PermissionDenied):
        services.control_update(control=control, actor=officer, expected_version=1, owner=UserFactory())
    control.refresh_from_db()
    assert control.owner == officer


def test_a_control_cannot_be_related_to_itself():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory()
    with pytest.raises(ValidationError):
        services.control_update(control=control, actor=dpo, expected_version=1, related=[control])


def test_related_controls_are_linked_both_ways_and_audited():
    dpo = UserFactory(roles=[Role.DPO])
    a, b = ControlFactory(reference="TOM-A-01"), ControlFactory(reference="TOM-B-01")
    services.control_update(control=a, actor=dpo, expected_version=1, related=[b])
    assert list(b.related.all()) == [a]
    assert _events(a, "control.updated").get().changes["related"] == {"before": [], "after": ["TOM-B-01"]}


@time_machine.travel(date(2025, 3, 31))
def test_an_effective_review_verifies_the_control_and_sets_the_next_due_date():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=officer, review_cadence_months=11, status=Control.Status.IMPLEMENTED)
    review = services.control_record_review(control=control, actor=officer, outcome="effective",
                                            notes="Checked TLS scan of all endpoints: only 1.3 offered.")
    control.refresh_from_db()
    assert control.status == Control.Status.VERIFIED
    assert control.last_reviewed_on == date(2025, 3, 31)
    assert control.next_review_due == date(2026, 2, 28)
    assert review.next_review_due == date(2026, 2, 28)
    event = _events(control, "control.reviewed").get()
    assert event.changes["outcome"]["after"] == "effective"
    assert event.changes["status"] == {"before": "implemented", "after": "verified"}


def test_an_ineffective_review_marks_the_control_as_needing_attention():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory(status=Control.Status.VERIFIED)
    services.control_record_review(control=control, actor=dpo, outcome=Review.Outcome.INEFFECTIVE,
                                   notes="Restore test failed: backup of 2 March unreadable.")
    control.refresh_from_db()
    assert control.status == Control.Status.NEEDS_ATTENTION


def test_a_review_dated_in_the_future_is_refused():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory()
    with pytest.raises(ValidationError):
        services.control_record_review(control=control, actor=dpo, outcome="effective", notes="Fine.",
                                       reviewed_on=date(2999, 1, 1))
    assert not Review.objects.exists()


def test_a_security_officer_may_not_review_someone_elses_control():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=UserFactory())
    with pytest.raises(PermissionDenied):
        services.control_record_review(control=control, actor=officer, outcome="effective", notes="Fine.")


def test_an_auditor_may_not_review():
    auditor = UserFactory(roles=[Role.AUDITOR])
    with pytest.raises(PermissionDenied):
        services.control_record_review(control=ControlFactory(owner=auditor), actor=auditor, outcome="effective",
                                       notes="Fine.")


def test_bulk_owner_change_writes_one_audit_event_per_changed_control():
    dpo = UserFactory(roles=[Role.DPO])
    new_owner = UserFactory(roles=[Role.SECURITY_OFFICER], full_name="Nina New")
    already = ControlFactory(owner=new_owner)
    a, b = ControlFactory(), ControlFactory(owner=dpo)
    changed = services.control_bulk_change_owner(control_ids=[a.pk, b.pk, already.pk], owner=new_owner, actor=dpo)
    assert {c.pk for c in changed} == {a.pk, b.pk}
    assert set(Control.objects.values_list("owner_id", flat=True)) == {new_owner.pk}
    assert _events(b, "control.owner_changed").get().changes["owner"]["after"] == "Nina New"
    assert not _events(already, "control.owner_changed").exists()


def test_bulk_owner_change_needs_the_manage_permission():
    officer = UserFactory(roles=[Role.SECURITY_OFFICER])
    control = ControlFactory(owner=officer)
    with pytest.raises(PermissionDenied):
        services.control_bulk_change_owner(control_ids=[control.pk], owner=UserFactory(), actor=officer)


def test_bulk_owner_change_refuses_an_inactive_owner():
    dpo = UserFactory(roles=[Role.DPO])
    control = ControlFactory()
    with pytest.raises(ValidationError):
        services.control_bulk_change_owner(control_ids=[control.pk], owner=UserFactory(is_active=False), actor=dpo)
    control.refresh_from_db()
    assert control.owner is None


@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert services.add_months(day, months) == expected
