import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from portal.accounts.roles import Role


def test_an_active_session_ends_at_its_absolute_lifetime(signed_in, settings):
    settings.SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as clock:
        client, _ = signed_in(Role.EMPLOYEE)
        assert client.get(reverse("portal:dashboard")).status_code == 200
        # Active every 20 minutes, well inside the idle timeout, for almost twelve hours.
        for _ in range(35):
            clock.shift(20 * 60)
            assert client.get(reverse("portal:dashboard")).status_code == 200
        clock.shift(25 * 60)  # 12 h 05 min after the first signed-in request
        response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session
    assert b"maximum length" in client.get(response["Location"]).content


def test_after_the_lifetime_a_new_sign_in_needs_the_second_factor_again(signed_in, settings, client):
    from tests.factories import DEFAULT_PASSWORD

    settings.SESSION_ABSOLUTE_LIFETIME, settings.SESSION_IDLE_TIMEOUT = 3600, 7200
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as clock:
        client, user = signed_in(Role.EMPLOYEE)
        assert client.get(reverse("portal:dashboard")).status_code == 200
        clock.shift(3601)
        client.get(reverse("portal:dashboard"))
        client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
        response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith("/account/mfa/")
