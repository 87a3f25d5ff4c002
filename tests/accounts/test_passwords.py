import re

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from portal.accounts.models import PasswordResetToken
from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NEW = "a brand new passphrase 77"


def _link() -> str:
    [message] = mail.outbox
    return re.search(r"https?://\S+/account/password/reset/\S+/", message.body).group(0)


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(signed_in):
    client, user = signed_in(Role.EMPLOYEE, step_up=True)
    elsewhere = sign_in(Client(), user, step_up=True)
    url = reverse("accounts:password_change")
    wrong = client.post(url, {"old_password": "not it", "new_password1": NEW, "new_password2": NEW})
    assert wrong.status_code == 200 and wrong.context["form"].errors["old_password"]
    response = client.post(url, {"old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert client.get(reverse("portal:dashboard")).status_code == 200  # this session stays
    assert elsewhere.get(reverse("portal:dashboard")).status_code == 302  # the other one ended
    [event] = events(AuditAction.PASSWORD_CHANGED)
    assert event.actor == user and event.changes["other_sessions_ended"] == 1


def test_changing_the_password_needs_a_fresh_second_factor(signed_in):
    client, user = signed_in(Role.EMPLOYEE, step_up=False)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": DEFAULT_PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_a_reset_link_works_once_ends_every_session_and_still_asks_for_mfa(client, django_capture_on_commit_callbacks):
    user = UserFactory(email="forgot@annex.test")
    old_session = sign_in(Client(), user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:password_reset"), {"email": "Forgot@annex.test"})
    assert response.status_code == 200 and b"Check your email" in response.content
    link = _link()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not PasswordResetToken.objects.filter(token_hash=token).exists()  # stored hashed
    assert client.get(link).status_code == 200
    response = client.post(link, {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert SESSION_KEY not in client.session  # a reset signs nobody in
    assert old_session.get(reverse("portal:dashboard")).status_code == 302
    assert client.get(link).status_code == 404  # single use
    client.post(reverse("accounts:login"), {"username": user.email, "password": NEW})
    assert client.get(reverse("portal:dashboard"))["Location"].startswith("/account/mfa/")
    assert len(events(AuditAction.PASSWORD_RESET_SENT)) == 1 and len(events(AuditAction.PASSWORD_RESET)) == 1


def test_a_reset_link_expires(client, settings, django_capture_on_commit_callbacks):
    UserFactory(email="late@annex.test")
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("accounts:password_reset"), {"email": "late@annex.test"})
        clock.shift(settings.PASSWORD_RESET_VALID_MINUTES * 60 + 1)
        response = client.post(_link(), {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 404 and events(AuditAction.PASSWORD_RESET) == []


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@annex.test"})
    assert response.status_code == 200 and b"Check your email" in response.content
    assert mail.outbox == [] and events(AuditAction.PASSWORD_RESET_SENT) == []


def test_an_administrator_sends_a_reset_after_step_up_and_it_is_audited(signed_in, django_capture_on_commit_callbacks):
    client, admin = signed_in(Role.ADMIN, step_up=True)
    subject = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:user_send_password_reset", args=[subject.pk]))
    assert response.status_code == 302 and len(mail.outbox) == 1 and mail.outbox[0].to == [subject.email]
    [event] = events(AuditAction.PASSWORD_RESET_SENT)
    assert event.actor == admin and event.changes["by_administrator"] is True
    stale, _ = signed_in(Role.ADMIN, step_up=False)
    response = stale.post(reverse("accounts:user_send_password_reset", args=[subject.pk]))
    assert response["Location"].startswith(reverse("accounts:mfa_step_up")) and len(mail.outbox) == 1


def test_production_hashes_passwords_with_argon2():
    import portal.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize("weak", ["short1!", "password1234", "123456789012"])
def test_a_short_or_common_password_is_refused(signed_in, weak):
    client, user = signed_in(Role.EMPLOYEE, step_up=True)
    response = client.post(reverse("accounts:password_change"),
                           {"old_password": DEFAULT_PASSWORD, "new_password1": weak, "new_password2": weak})
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
