"""Customers: their DPA terms, which controls apply to them, and per-customer overrides."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from controls import services
from controls.models import Control, Customer, CustomerControlOverride
from controls.selectors import customer_applicable_controls
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from tests.controls.factories import ControlFactory, CustomerFactory, OverrideFactory, ServiceFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _customer_data(**overrides):
    data = {
        "name": "Northwind Health GmbH", "slug": "northwind", "contract_reference": "DPA-2025-001",
        "notice_contact_name": "Greta Lindqvist", "notice_contact_email": "privacy@northwind.example",
        "breach_notice_hours": "24", "is_active": "on",
    }
    data.update(overrides)
    return data


def test_applicable_controls_follow_services_and_overrides():
    hosting, support = ServiceFactory(slug="hosting"), ServiceFactory(slug="support")
    everywhere = ControlFactory(reference="TOM-ALL-01")
    for_hosting = ControlFactory(reference="TOM-HST-01", applies_to_all_services=False)
    for_hosting.services.add(hosting)
    for_support = ControlFactory(reference="TOM-SUP-01", applies_to_all_services=False)
    for_support.services.add(support)
    ControlFactory(reference="TOM-OLD-01", status=Control.Status.RETIRED)
    customer = CustomerFactory()
    customer.services.add(hosting)
    assert [c.reference for c in customer_applicable_controls(customer)] == ["TOM-ALL-01", "TOM-HST-01"]
    OverrideFactory(customer=customer, control=everywhere, mode="exclude")
    OverrideFactory(customer=customer, control=for_support, mode="include")
    assert [c.reference for c in customer_applicable_controls(customer)] == ["TOM-HST-01", "TOM-SUP-01"]


def test_a_retired_control_stays_out_despite_an_inclusion():
    control = ControlFactory(reference="TOM-OLD-02", applies_to_all_services=False)
    customer = CustomerFactory()
    OverrideFactory(customer=customer, control=control, mode="include")
    assert [c.reference for c in customer_applicable_controls(customer)] == ["TOM-OLD-02"]
    control.status = Control.Status.RETIRED
    control.save(update_fields=["status"])
    assert list(customer_applicable_controls(customer)) == []


def test_an_override_needs_a_reason():
    dpo = UserFactory(roles=[Role.DPO])
    with pytest.raises(ValidationError):
        services.customer_set_override(customer=CustomerFactory(), control=ControlFactory(), mode="exclude",
                                       reason="   ", actor=dpo)
    assert not CustomerControlOverride.objects.exists()


def test_setting_an_override_twice_updates_it_and_audits_each_change():
    dpo = UserFactory(roles=[Role.DPO])
    customer, control = CustomerFactory(), ControlFactory()
    services.customer_set_override(customer=customer, control=control, mode="exclude", reason="Own desk.", actor=dpo)
    services.customer_set_override(customer=customer, control=control, mode="include", reason="Annex 2.", actor=dpo)
    services.customer_set_override(customer=customer, control=control, mode="include", reason="Annex 2.", actor=dpo)
    override = CustomerControlOverride.objects.get()
    assert (override.mode, override.reason) == ("include", "Annex 2.")
    assert AuditEvent.objects.filter(action="customer.override_set").count() == 2


def test_a_security_officer_may_not_set_overrides():
    with pytest.raises(PermissionDenied):
        services.customer_set_override(customer=CustomerFactory(), control=ControlFactory(), mode="exclude",
                                       reason="x", actor=UserFactory(roles=[Role.SECURITY_OFFICER]))


def test_customer_contact_details_are_masked_in_the_audit_trail():
    dpo = UserFactory(roles=[Role.DPO])
    customer = CustomerFactory()
    services.customer_update(customer=customer, actor=dpo, expected_version=1, notice_contact_email="new@x.example",
                             breach_notice_hours=12)
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.changes["notice_contact_email"] == {"before": "***", "after": "***"}
    assert event.changes["breach_notice_hours"] == {"before": 24, "after": 12}


def test_a_stale_customer_edit_is_refused():
    dpo = UserFactory(roles=[Role.DPO])
    customer = CustomerFactory(name="Original")
    services.customer_update(customer=customer, actor=dpo, expected_version=1, name="First")
    with pytest.raises(services.StaleVersionError):
        services.customer_update(customer=customer, actor=dpo, expected_version=1, name="Second")
    customer.refresh_from_db()
    assert customer.name == "First"


def test_the_dpo_adds_a_customer_through_the_form(signed_in):
    client, _ = signed_in(Role.DPO)
    hosting = ServiceFactory(slug="hosting")
    response = client.post(reverse("customers:create"), _customer_data(services=[hosting.pk]))
    assert response.status_code == 302
    customer = Customer.objects.get(slug="northwind")
    assert list(customer.services.all()) == [hosting]
    assert AuditEvent.objects.filter(action="customer.created", target_id=str(customer.pk)).count() == 1


def test_a_breach_notice_deadline_over_72_hours_is_refused_and_the_form_keeps_its_input(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("customers:create"), _customer_data(breach_notice_hours="96"))
    assert response.status_code == 200
    assert "Northwind Health GmbH" in response.content.decode()
    assert not Customer.objects.exists()


def test_the_reserved_slug_new_is_refused(signed_in):
    client, _ = signed_in(Role.DPO)
    response = client.post(reverse("customers:create"), _customer_data(slug="new"))
    assert "reserved" in response.content.decode()


def test_the_detail_lists_the_applicable_controls(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    customer = CustomerFactory()
    ControlFactory(reference="TOM-ALL-77")
    body = client.get(reverse("customers:detail", args=[customer.slug])).content.decode()
    assert "TOM-ALL-77" in body
    assert "Save override" not in body


def test_an_override_without_a_reason_re_renders_with_the_error(signed_in):
    client, _ = signed_in(Role.DPO)
    customer, control = CustomerFactory(), ControlFactory()
    response = client.post(reverse("customers:override_set", args=[customer.slug]),
                           {"control": control.pk, "mode": "exclude", "reason": ""})
    assert response.status_code == 400
    assert not CustomerControlOverride.objects.exists()


def test_removing_an_override_of_another_customer_is_404(signed_in):
    client, _ = signed_in(Role.DPO)
    override = OverrideFactory()
    other = CustomerFactory()
    response = client.post(reverse("customers:override_remove", args=[other.slug, override.pk]))
    assert response.status_code == 404
    assert CustomerControlOverride.objects.exists()


def test_removing_an_override_is_audited(signed_in):
    client, _ = signed_in(Role.DPO)
    override = OverrideFactory()
    response = client.post(reverse("customers:override_remove", args=[override.customer.slug, override.pk]))
    assert response.status_code == 302
    assert not CustomerControlOverride.objects.exists()
    assert AuditEvent.objects.filter(action="customer.override_removed").count() == 1


def test_an_employee_may_not_see_customers(signed_in):
    client, _ = signed_in(Role.EMPLOYEE)
    assert client.get(reverse("customers:list")).status_code == 403
