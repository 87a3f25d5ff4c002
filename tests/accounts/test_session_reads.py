"""Every signed-in request reads its user and MFA device with prepared queries; the checks stay django-otp's and
Django's: a device must be confirmed and the user's own, an inactive user is signed out."""

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from portal.accounts.backends import RoleModelBackend
from tests.conftest import sign_in, totp_device_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _session_device(client, persistent_id):
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = persistent_id
    session.save()


def test_the_accounts_otp_middleware_is_installed_in_place_of_django_otps():
    assert "portal.accounts.middleware.OTPMiddleware" in settings.MIDDLEWARE
    assert "django_otp.middleware.OTPMiddleware" not in settings.MIDDLEWARE


def test_the_session_device_is_read_by_the_prepared_query(client, monkeypatch):
    from portal.accounts import middleware

    user = UserFactory(roles=["DPO"])
    sign_in(client, user)
    labels = []
    real = middleware._device_by_pk

    def spy(label):
        labels.append(label)
        return real(label)

    monkeypatch.setattr(middleware, "_device_by_pk", spy)
    assert client.get("/about/").status_code == 200
    assert labels == ["accounts.totpdevice"]


def test_a_verified_session_reaches_a_page_and_reads_user_and_device_once_each(client):
    user = UserFactory(roles=["DPO"])
    sign_in(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/about/").status_code == 200
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in queries if q["sql"].startswith("SELECT")]
    assert tables.count("accounts_user") == 1
    assert tables.count("accounts_totpdevice") == 1


@pytest.mark.parametrize("persistent_id", [
    "accounts.totpdevice/not-a-number",
    "accounts.totpdevice/999999",
    "accounts.nosuchdevice/1",
    "otp_totp.totpdevice/1",  # django-otp's own table, emptied by the migration that encrypted the keys
    "accounts.user/1",  # a model, but not a device
    "no-slash-at-all",
])
def test_a_session_naming_no_device_of_the_user_is_sent_to_mfa_and_forgets_it(client, persistent_id):
    user = UserFactory(roles=["DPO"])
    sign_in(client, user, verified=False)
    totp_device_for(user)
    _session_device(client, persistent_id)

    response = client.get("/about/")
    assert response.status_code == 302 and response["Location"].startswith("/account/mfa/")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_another_users_device_does_not_verify_a_session(client):
    user, other = UserFactory(roles=["DPO"]), UserFactory(roles=["DPO"])
    sign_in(client, user, verified=False)
    totp_device_for(user)
    _session_device(client, totp_device_for(other).persistent_id)

    assert client.get("/about/").status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_an_unconfirmed_device_does_not_verify_a_session(client):
    user = UserFactory(roles=["DPO"])
    sign_in(client, user, verified=False)
    _session_device(client, totp_device_for(user, confirmed=False).persistent_id)

    assert client.get("/about/").status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_deactivated_user_is_signed_out(client):
    user = UserFactory(roles=["DPO"])
    sign_in(client, user)
    assert client.get("/about/").status_code == 200

    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/about/")
    assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_backend_reads_a_user_by_id_as_django_does():
    user = UserFactory()
    backend = RoleModelBackend()
    assert backend.get_user(user.pk) == user
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user(str(user.pk)) == user  # not an int: Django's own read
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.get_user(user.pk) is None
