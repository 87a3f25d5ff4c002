import pytest
from django.urls import reverse
from django_otp import match_token

from portal.accounts import mfa_services
from portal.accounts.models import BackupCode, BackupCodeDevice
from portal.audit.models import AuditAction
from tests.accounts.conftest import events, totp_code
from tests.conftest import sign_in, totp_device_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def enrol(client, user):
    client.force_login(user)
    client.get(reverse("accounts:mfa_enrol"))
    device = user.totp_devices.get(confirmed=False)
    return client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)}), device


def test_enrolment_shows_ten_backup_codes_once_and_stores_only_hashes(client):
    user = UserFactory()
    response, _ = enrol(client, user)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "no-store" in response["Cache-Control"]
    stored = list(BackupCode.objects.filter(device__user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in codes for h in stored)
    assert len(events(AuditAction.MFA_BACKUP_CODES_ISSUED)) == 1
    # The codes page is the response to the POST; nothing re-shows them later.
    security = sign_in(client, user).get(reverse("accounts:security"))
    assert codes[0].encode() not in security.content


def test_a_second_authenticator_app_keeps_the_existing_backup_codes(client):
    user = UserFactory()
    enrol(client, user)
    hashes_before = set(BackupCode.objects.values_list("code_hash", flat=True))
    response, _ = enrol(client, user)
    assert response.status_code == 302
    assert set(BackupCode.objects.values_list("code_hash", flat=True)) == hashes_before


def test_a_backup_code_verifies_a_session_once_and_is_audited(client):
    user = UserFactory()
    totp_device_for(user)
    codes = mfa_services.backup_codes_regenerate(actor=user)
    client.force_login(user)
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[3].upper()})
    assert response.status_code == 302 and response["Location"] == reverse("portal:dashboard")
    used = events(AuditAction.MFA_BACKUP_CODE_USED)
    assert len(used) == 1 and used[0].changes["remaining"] == {"before": None, "after": 9}

    client.logout()
    client.force_login(user)
    again = client.post(reverse("accounts:mfa_verify"), {"code": codes[3]})
    assert again.status_code == 200
    assert "not valid" in again.context["form"].errors["code"][0]


def test_match_token_accepts_a_backup_code(db):
    user = UserFactory()
    codes = mfa_services.backup_codes_regenerate(actor=user)
    device = match_token(user, codes[0].replace("-", ""))
    assert isinstance(device, BackupCodeDevice)
    assert match_token(user, codes[0]) is None  # used up


def test_regenerating_replaces_all_earlier_codes(db):
    user = UserFactory()
    old = mfa_services.backup_codes_regenerate(actor=user)
    new = mfa_services.backup_codes_regenerate(actor=user)
    assert set(old).isdisjoint(new)
    assert BackupCodeDevice.objects.filter(user=user).count() == 1
    assert match_token(user, new[0]) is not None
    assert match_token(user, old[0]) is None


def test_regenerate_from_the_security_page_requires_step_up(client):
    sign_in(client, UserFactory(), step_up=False)
    response = client.post(reverse("accounts:backup_codes_regenerate"),
                           HTTP_REFERER="http://testserver/account/security/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:mfa_step_up')}?next=%2Faccount%2Fsecurity%2F"
    assert not BackupCodeDevice.objects.exists()


def test_regenerate_shows_new_codes_and_audits(signed_in):
    client, user = signed_in(step_up=True)
    response = client.post(reverse("accounts:backup_codes_regenerate"))
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert [e.actor_id for e in events(AuditAction.MFA_BACKUP_CODES_ISSUED)] == [user.pk]


def test_regenerate_refuses_get(signed_in):
    client, _ = signed_in()
    assert client.get(reverse("accounts:backup_codes_regenerate")).status_code == 405
