import pytest
from django.urls import reverse

from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def fail(client, email, times):
    for _ in range(times):
        client.post(reverse("accounts:login"), {"username": email, "password": "wrong password"})


def test_five_wrong_passwords_lock_the_account_and_the_lockout_is_audited(client, settings):
    user = UserFactory(email="target@annex.test")
    fail(client, user.email, settings.AXES_FAILURE_LIMIT - 1)
    assert events(AuditAction.LOCKED_OUT) == []
    fail(client, user.email, 1)
    [event] = events(AuditAction.LOCKED_OUT)
    assert event.target_label == "target@annex.test" and event.ip == "127.0.0.1"
    assert len(events(AuditAction.LOGIN_FAILED)) == settings.AXES_FAILURE_LIMIT

    # Even the right password is refused now, with the lockout page.
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session
    assert events(AuditAction.LOGIN) == []


def test_four_failures_then_the_right_password_still_signs_in(client, settings):
    user = UserFactory()
    fail(client, user.email, settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert len(events(AuditAction.LOGIN)) == 1


def test_the_lockout_is_per_account(client, settings):
    locked, other = UserFactory(), UserFactory()
    fail(client, locked.email, settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("accounts:login"), {"username": other.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
