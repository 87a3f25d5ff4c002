import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from portal.accounts.roles import Role
from portal.accounts.services import AccountRuleError, sign_in_unlock
from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def lock(client, email, settings, address="127.0.0.1"):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": email, "password": "wrong"}, REMOTE_ADDR=address)


def test_an_administrator_sees_who_is_locked_and_from_where(client, settings, signed_in):
    target = UserFactory(email="locked@annex.test")
    lock(client, target.email, settings, address="192.0.2.9")
    admin_client, _ = signed_in(Role.ADMIN)
    response = admin_client.get(reverse("accounts:lockout_list"))
    assert response.status_code == 200
    assert b"locked@annex.test" in response.content and b"192.0.2.9" in response.content


def test_lifting_a_lock_lets_the_person_sign_in_and_is_audited(client, settings, signed_in):
    target = UserFactory(email="locked@annex.test")
    lock(client, target.email, settings)
    admin_client, admin = signed_in(Role.ADMIN, step_up=True)
    attempt = AccessAttempt.objects.get(username="locked@annex.test")
    response = admin_client.post(reverse("accounts:lockout_lift", kwargs={"pk": attempt.pk}))
    assert response.status_code == 302
    [event] = events(AuditAction.LOCKOUT_LIFTED)
    assert event.actor == admin and event.target_label == "locked@annex.test"
    assert event.changes["address"] == "127.0.0.1"
    admin_client.post(reverse("accounts:logout"))
    response = client.post(reverse("accounts:login"), {"username": target.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_lifting_a_lock_needs_a_fresh_second_factor(client, settings, signed_in):
    target = UserFactory()
    lock(client, target.email, settings)
    admin_client, _ = signed_in(Role.ADMIN, step_up=False)
    attempt = AccessAttempt.objects.get()
    response = admin_client.post(reverse("accounts:lockout_lift", kwargs={"pk": attempt.pk}))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert events(AuditAction.LOCKOUT_LIFTED) == []


def test_the_service_refuses_someone_without_the_permission(client, settings):
    target = UserFactory()
    lock(client, target.email, settings)
    with pytest.raises(AccountRuleError):
        sign_in_unlock(actor=UserFactory(roles=[Role.DPO]), username=target.email, ip_address="127.0.0.1")
    assert AccessAttempt.objects.exists() and events(AuditAction.LOCKOUT_LIFTED) == []
