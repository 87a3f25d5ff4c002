"""Sign-in, MFA and session behaviour that the security model promises, each leaving an audit event."""

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from portal.audit.models import AuditAction
from tests.accounts.conftest import events, totp_code
from tests.conftest import sign_in, totp_device_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def password_login(client, user, password=DEFAULT_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": password})


def test_a_login_is_audited_and_rotates_the_session_key(client):
    user = UserFactory()
    client.get(reverse("accounts:login"))
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    response = password_login(client, user)
    assert response.status_code == 302
    assert client.session.session_key != before
    [event] = events(AuditAction.LOGIN)
    assert event.actor_id == user.pk and event.ip == "127.0.0.1"


def test_a_failed_login_is_audited_without_the_password(client):
    user = UserFactory()
    response = password_login(client, user, password="not my password")
    assert response.status_code == 200
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.target_id == str(user.pk) and event.actor_id is None
    assert "not my password" not in str(event.changes)


def test_after_the_password_the_code_is_asked_for(client):
    user = UserFactory()
    totp_device_for(user)
    password_login(client, user)
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))


def test_mfa_verification_is_audited_and_rotates_the_session_key(client):
    user = UserFactory()
    device = totp_device_for(user)
    password_login(client, user)
    before = client.session.session_key
    response = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
    assert response.status_code == 302
    assert client.session.session_key != before
    assert client.session[SESSION_KEY] == str(user.pk)
    [event] = events(AuditAction.MFA_VERIFIED)
    assert event.actor_id == user.pk
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_a_wrong_mfa_code_is_refused_with_a_message_and_audited(client):
    user = UserFactory()
    device = totp_device_for(user)
    password_login(client, user)
    wrong = "000000" if totp_code(device) != "000000" else "111111"
    response = client.post(reverse("accounts:mfa_verify"), {"code": wrong})
    assert response.status_code == 200
    assert "not valid" in response.content.decode()
    assert events(AuditAction.MFA_FAILED)[0].changes["stage"] == {"before": "", "after": "sign-in"}
    assert client.get(reverse("portal:dashboard"))["Location"].startswith(reverse("accounts:mfa_verify"))


def test_enrolment_is_audited(client):
    user = UserFactory()
    password_login(client, user)
    client.get(reverse("accounts:mfa_enrol"))
    device = user.totp_devices.get()
    client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)})
    [event] = events(AuditAction.MFA_ENROLLED)
    assert event.actor_id == user.pk


def test_an_idle_session_is_signed_out(client, settings):
    sign_in(client, UserFactory())
    assert client.get(reverse("portal:dashboard")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session
    login_page = client.get(response["Location"])
    assert b"signed out after a period of inactivity" in login_page.content


def test_a_recently_active_session_stays_signed_in(client, settings):
    sign_in(client, UserFactory())
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 60
    session.save()
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_a_password_typed_into_the_email_box_never_reaches_the_audit_trail(client):
    client.post(reverse("accounts:login"), {"username": "Hunter2-my-secret", "password": "x"})
    [event] = events(AuditAction.LOGIN_FAILED)
    assert "Hunter2" not in event.target_label and "Hunter2" not in str(event.changes)
    assert event.target_label == "(not an email address)"


def test_failed_passwords_on_my_account_show_on_my_dashboard(client):
    user = UserFactory()
    password_login(client, user, password="wrong wrong wrong")
    [event] = events(AuditAction.LOGIN_FAILED)
    assert event.target_id == str(user.pk)
    sign_in(client, user)
    html = client.get(reverse("portal:dashboard")).content.decode()
    assert "Sign-in failed" in html
