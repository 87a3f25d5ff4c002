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


def test_every_spelling_of_the_address_counts_towards_one_lockout(client, settings):
    user = UserFactory(email="responder@annex.test")
    for spelling in ["responder@annex.test", "Responder@annex.test", "RESPONDER@annex.test",
                     "responder@ANNEX.test", " Responder@Annex.Test"][: settings.AXES_FAILURE_LIMIT]:
        fail(client, spelling, 1)
    for spelling in ["rEsPoNdEr@annex.test", user.email]:
        response = client.post(reverse("accounts:login"), {"username": spelling, "password": DEFAULT_PASSWORD})
        assert response.status_code == 429
    assert events(AuditAction.LOGIN) == []
    assert {event.target_label for event in events(AuditAction.LOCKED_OUT)} == {"responder@annex.test"}


def test_a_sign_in_under_another_spelling_clears_the_count_of_the_same_account(client, settings):
    UserFactory(email="responder@annex.test")
    fail(client, "RESPONDER@annex.test", settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(reverse("accounts:login"), {"username": "Responder@annex.test",
                                                        "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    client.post(reverse("accounts:logout"))
    # The count started again: one more failure under the first spelling does not lock the account.
    fail(client, "RESPONDER@annex.test", 1)
    response = client.post(reverse("accounts:login"), {"username": "RESPONDER@annex.test",
                                                        "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_behind_the_proxy_a_lockout_holds_only_for_the_client_that_caused_it(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory(email="target@annex.test")
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    colleague = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong password"}, **attacker)
    refused = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD},
                          **attacker)
    assert refused.status_code == 429
    assert {event.ip for event in events(AuditAction.LOCKED_OUT)} == {"203.0.113.66"}

    response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD},
                           **colleague)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_forged_address_in_front_of_the_trusted_proxy_does_not_change_the_counted_client(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = UserFactory()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": user.email, "password": "wrong password"},
                    REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.66")
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD},
                           REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.66")
    assert response.status_code == 429


def test_the_locked_out_page_says_what_to_do(client, settings):
    user = UserFactory()
    fail(client, user.email, settings.AXES_FAILURE_LIMIT)
    response = client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    page = response.content.decode()
    assert "30 minutes after the last failed attempt" in page
    assert "Locked sign-ins" in page and "ask an administrator" in page
