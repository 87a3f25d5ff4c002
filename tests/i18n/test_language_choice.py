"""Each person reads Annex in their language: their preference, else the browser's, else LANGUAGE_CODE."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_visitor_whose_browser_asks_for_german_gets_the_sign_in_page_in_german(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    page = response.content.decode()
    assert '<html lang="de">' in page and "Bei Annex anmelden" in page
    assert response["Content-Language"] == "de"


def test_a_browser_asking_for_a_language_annex_lacks_gets_the_configured_default(client, settings):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert "Sign in to Annex" in response.content.decode()
    assert response["Content-Language"] == settings.LANGUAGE_CODE


def test_the_users_own_preference_wins_over_the_browser(client):
    user = UserFactory(roles=[Role.EMPLOYEE], language="de")
    sign_in(client, user)
    response = client.get(reverse("portal:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Ihre Rollen" in response.content.decode()


def test_the_header_switch_saves_the_choice_on_the_account_and_returns_to_the_page(client):
    user = UserFactory(roles=[Role.DPO])
    sign_in(client, user)
    response = client.post(reverse("accounts:language"), {"language": "de", "next": "/controls/"})
    assert response.status_code == 302 and response["Location"] == "/controls/"
    user.refresh_from_db()
    assert user.language == "de"
    event = AuditEvent.objects.get(action=AuditAction.USER_PREFERENCES_CHANGED)
    assert event.actor == user and event.changes["language"] == {"before": "", "after": "de"}
    assert "Maßnahmen" in client.get("/controls/").content.decode()


def test_the_switch_works_before_sign_in_with_a_cookie_and_refuses_other_languages(client, settings):
    response = client.post(reverse("accounts:language"), {"language": "de", "next": reverse("accounts:login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert "Bei Annex anmelden" in client.get(reverse("accounts:login")).content.decode()
    refused = client.post(reverse("accounts:language"), {"language": "fr", "next": "https://evil.test/"})
    assert refused.status_code == 302 and refused["Location"] == reverse("portal:dashboard")
    assert refused.cookies.get(settings.LANGUAGE_COOKIE_NAME) is None


def test_the_switch_refuses_a_get(client):
    assert client.get(reverse("accounts:language")).status_code == 405


def test_an_invalid_time_zone_is_refused_and_changes_nothing(client):
    user = UserFactory(roles=[Role.EMPLOYEE], time_zone="Europe/Berlin")
    sign_in(client, user)
    response = client.post(reverse("accounts:preferences"), {"language": "en", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and response.context["form"].errors
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("", "Europe/Berlin")
    assert not AuditEvent.objects.filter(action=AuditAction.USER_PREFERENCES_CHANGED).exists()


@time_machine.travel(dt.datetime(2026, 11, 28, 13, 5, tzinfo=dt.UTC), tick=False)
def test_dates_follow_the_users_language_and_time_zone_on_the_24_hour_clock(client):
    user = UserFactory(roles=[Role.ADMIN], language="de", time_zone="America/New_York",
                       last_login=timezone.now())
    sign_in(client, user)
    page = client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert "28.11.2026 08:05" in page  # 13:05 UTC in New York, German date
    client.post(reverse("accounts:preferences"), {"language": "en", "time_zone": "Europe/Berlin"})
    page = client.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()
    assert "28 Nov 2026 14:05" in page


def test_an_invited_person_starts_in_the_invitations_language(client, django_capture_on_commit_callbacks):
    from portal.accounts import services

    admin = UserFactory(roles=[Role.ADMIN])
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = services.invitation_create(actor=admin, email="neu@annex.test", full_name="Neu Person",
                                                       roles=[Role.EMPLOYEE], language="de")
    response = client.post(reverse("accounts:invitation_accept", args=[token]),
                           {"new_password1": "ein-langes-Passwort-2026", "new_password2": "ein-langes-Passwort-2026"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert invitation.accepted_user_id is None  # the service locked and updated its own copy
    from portal.accounts.models import User

    assert User.objects.get(email="neu@annex.test").language == "de"
