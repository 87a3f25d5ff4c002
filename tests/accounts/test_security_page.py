import pytest
from django.urls import reverse

from portal.accounts import mfa_services
from portal.accounts.models import BackupCodeDevice, TOTPDevice
from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.conftest import sign_in, totp_device_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_lists_the_users_own_devices_and_backup_codes_left(signed_in):
    client, user = signed_in()
    TOTPDevice.objects.create(user=user, name="Spare phone", confirmed=True)
    TOTPDevice.objects.create(user=UserFactory(), name="Someone else's phone", confirmed=True)
    mfa_services.backup_codes_regenerate(actor=user)
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 200
    assert [d.name for d in response.context["devices"]] == ["Authenticator app", "Spare phone"]
    assert b"Someone else" not in response.content
    assert response.context["backup_codes_remaining"] == 10


def test_it_requires_a_verified_session(client):
    user = UserFactory()
    totp_device_for(user)
    sign_in(client, user, verified=False)
    response = client.get(reverse("accounts:security"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))


def test_removing_a_device_needs_a_recent_step_up(client):
    user = UserFactory()
    sign_in(client, user, step_up=False)
    spare = TOTPDevice.objects.create(user=user, name="Spare", confirmed=True)
    response = client.post(reverse("accounts:device_remove", args=[spare.pk]),
                           HTTP_REFERER="http://testserver/account/security/")
    assert response["Location"] == f"{reverse('accounts:mfa_step_up')}?next=%2Faccount%2Fsecurity%2F"
    assert TOTPDevice.objects.filter(pk=spare.pk).exists()


def test_removing_one_of_two_devices_keeps_the_session_and_audits(signed_in):
    client, user = signed_in(step_up=True)
    spare = TOTPDevice.objects.create(user=user, name="Spare", confirmed=True)
    response = client.post(reverse("accounts:device_remove", args=[spare.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:security")
    assert not TOTPDevice.objects.filter(pk=spare.pk).exists()
    [event] = events(AuditAction.MFA_DEVICE_REMOVED)
    assert event.actor_id == user.pk and event.changes["device"] == {"before": "Spare", "after": None}
    assert client.get(reverse("portal:dashboard")).status_code == 200


def test_removing_the_last_device_removes_backup_codes_and_sends_to_enrolment(signed_in):
    client, user = signed_in(step_up=True)
    mfa_services.backup_codes_regenerate(actor=user)
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("accounts:device_remove", args=[device.pk]))
    assert response["Location"].startswith(reverse("accounts:mfa_enrol"))
    assert not BackupCodeDevice.objects.filter(user=user).exists()
    follow = client.get(reverse("portal:dashboard"))
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("accounts:mfa_enrol"))


def test_another_users_device_is_not_found(signed_in):
    client, _ = signed_in(step_up=True)
    other = totp_device_for(UserFactory())
    assert client.post(reverse("accounts:device_remove", args=[other.pk])).status_code == 404
    assert TOTPDevice.objects.filter(pk=other.pk).exists()


def test_removing_refuses_get(signed_in):
    client, user = signed_in()
    device = TOTPDevice.objects.get(user=user)
    assert client.get(reverse("accounts:device_remove", args=[device.pk])).status_code == 405


def test_a_verified_user_can_enrol_a_second_authenticator_app(signed_in):
    from tests.accounts.conftest import totp_code

    client, user = signed_in(step_up=True)
    client.get(reverse("accounts:mfa_enrol"))
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(pending), "next": "/account/security/"})
    assert response.status_code == 200  # first backup codes, since none were issued yet
    assert response.context["next"] == "/account/security/"
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 2


def test_a_password_only_session_cannot_enrol_an_authenticator_of_its_own(client):
    """A stolen password must not be enough to add an attacker's authenticator and pass MFA with it."""
    from tests.accounts.conftest import totp_code

    user = UserFactory()
    totp_device_for(user)
    sign_in(client, user, verified=False)

    response = client.get(reverse("accounts:mfa_enrol"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_verify"))
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()

    # Even a pending device made some other way cannot be confirmed from this session.
    pending = TOTPDevice.objects.create(user=user, name="attacker", confirmed=False)
    response = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(pending)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=pending.pk, confirmed=True).exists()
    assert not client.session.get("otp_device_id")


def test_adding_a_second_authenticator_needs_a_fresh_step_up(signed_in):
    client, _user = signed_in(step_up=False)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))


def test_the_enrolment_page_with_its_secret_is_never_cached(client):
    user = UserFactory()
    sign_in(client, user, verified=False)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_the_confirm_service_refuses_a_new_factor_for_an_unverified_session(rf):
    from django.contrib.sessions.backends.db import SessionStore

    from tests.accounts.conftest import totp_code

    user = UserFactory()
    totp_device_for(user)
    pending = TOTPDevice.objects.create(user=user, name="other", confirmed=False)
    request = rf.post("/")
    request.session = SessionStore()
    user.is_verified = lambda: False
    request.user = user
    result = mfa_services.totp_confirm(request=request, device=pending, code=totp_code(pending))
    assert not result.ok
    pending.refresh_from_db()
    assert not pending.confirmed
