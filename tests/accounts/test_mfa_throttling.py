from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.accounts import mfa_services
from portal.audit.models import AuditAction
from tests.accounts.conftest import events, totp_code
from tests.conftest import totp_device_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_after_a_wrong_code_even_the_right_one_is_refused_until_the_delay_passes(client):
    user = UserFactory()
    device = totp_device_for(user)
    client.force_login(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        wrong = client.post(reverse("accounts:mfa_verify"), {"code": wrong_code(device)})
        assert "not valid" in wrong.context["form"].errors["code"][0]
        throttled = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
        assert throttled.status_code == 200
        assert "Too many wrong codes. Wait 1 second before" in throttled.context["form"].errors["code"][0]
        clock.shift(timedelta(seconds=2))
        ok = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
    assert ok.status_code == 302
    failed = events(AuditAction.MFA_FAILED)
    assert [e.changes["throttled"]["after"] for e in failed] == [False, True]


def wrong_code(device) -> str:
    return "000000" if totp_code(device) != "000000" else "111111"


def test_the_delay_doubles_with_each_failure_and_shows_in_the_message(client):
    user = UserFactory()
    device = totp_device_for(user)
    client.force_login(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for expected_wait in (1, 2, 4, 8):
            client.post(reverse("accounts:mfa_verify"), {"code": wrong_code(device)})
            refused = client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)})
            message = refused.context["form"].errors["code"][0]
            assert message.startswith(f"Too many wrong codes. Wait {expected_wait} second")
            clock.shift(timedelta(seconds=expected_wait))
    device.refresh_from_db()
    assert device.throttling_failure_count == 4


def test_a_backup_code_attempt_does_not_throttle_the_authenticator_app(client):
    user = UserFactory()
    device = totp_device_for(user)
    client.force_login(user)
    client.post(reverse("accounts:mfa_verify"), {"code": "abcde-fghij"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 0
    assert client.post(reverse("accounts:mfa_verify"), {"code": totp_code(device)}).status_code == 302


def test_backup_codes_are_throttled_too(client):
    user = UserFactory()
    totp_device_for(user)
    codes = mfa_services.backup_codes_regenerate(actor=user)
    client.force_login(user)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client.post(reverse("accounts:mfa_verify"), {"code": "aaaaa-aaaaa"})
        refused = client.post(reverse("accounts:mfa_verify"), {"code": codes[0]})
        assert "Too many wrong codes" in refused.context["form"].errors["code"][0]
        clock.shift(timedelta(seconds=2))
        assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 302


def test_enrolment_codes_are_throttled(client):
    user = UserFactory()
    client.force_login(user)
    client.get(reverse("accounts:mfa_enrol"))
    device = user.totp_devices.get()
    with time_machine.travel(timezone.now(), tick=False):
        client.post(reverse("accounts:mfa_enrol"), {"code": wrong_code(device)})
        refused = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)})
    assert "Too many wrong codes" in refused.context["form"].errors["code"][0]
    device.refresh_from_db()
    assert device.confirmed is False
