import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from controls.api.services import api_token_issue
from portal.accounts.roles import Role
from portal.accounts.services import AccountRuleError, user_deactivate, user_reactivate
from portal.audit.models import AuditAction
from portal.notifications.services_preferences import calendar_feed_issue
from tests.accounts.conftest import events
from tests.conftest import sign_in
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_reactivating_an_account_does_not_bring_back_its_session_token_or_calendar_feed(signed_in):
    admin_client, _admin = signed_in(Role.ADMIN)
    leaver = UserFactory(roles=[Role.AUDITOR])
    their_browser = sign_in(Client(), leaver)
    api_token = api_token_issue(user=leaver)
    feed_token = calendar_feed_issue(user=leaver, actor=leaver)
    api = Client(HTTP_AUTHORIZATION=f"Token {api_token}")
    assert api.get("/api/controls/").status_code == 200

    assert admin_client.post(reverse("accounts:user_deactivate", args=[leaver.pk])).status_code == 302
    assert admin_client.post(reverse("accounts:user_reactivate", args=[leaver.pk])).status_code == 302
    leaver.refresh_from_db()
    assert leaver.is_active

    assert their_browser.get(reverse("portal:dashboard"))["Location"].startswith(reverse("accounts:login"))
    assert api.get("/api/controls/").status_code == 401
    feed = Client().get(reverse("notifications:calendar_feed", kwargs={"token": feed_token}))
    assert feed.status_code == 404


def test_deactivation_deletes_the_sessions_and_records_what_ended(signed_in):
    _, admin = signed_in(Role.ADMIN)
    leaver = UserFactory()
    sign_in(Client(), leaver)
    sign_in(Client(), leaver)
    stays = sign_in(Client(), UserFactory())
    user_deactivate(actor=admin, user=leaver)
    keys = {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()}
    assert str(leaver.pk) not in keys and str(admin.pk) in keys
    assert stays.get(reverse("portal:dashboard")).status_code == 200
    [event] = events(AuditAction.USER_DEACTIVATED)
    assert event.changes["sessions"] == {"before": 2, "after": 0}


def test_the_service_checks_the_actors_permission(signed_in):
    leaver = UserFactory()
    for role in (Role.DPO, Role.AUDITOR, Role.EMPLOYEE):
        with pytest.raises(AccountRuleError):
            user_deactivate(actor=UserFactory(roles=[role]), user=leaver)
    leaver.refresh_from_db()
    assert leaver.is_active and events(AuditAction.USER_DEACTIVATED) == []
    leaver.is_active = False
    leaver.save(update_fields=["is_active"])
    with pytest.raises(AccountRuleError):
        user_reactivate(actor=UserFactory(roles=[Role.DPO]), user=leaver)


def test_annex_itself_may_deactivate_a_leaver():
    leaver = UserFactory()
    user_deactivate(actor=None, user=leaver)
    leaver.refresh_from_db()
    assert not leaver.is_active
    [event] = events(AuditAction.USER_DEACTIVATED)
    assert event.actor is None


def test_deactivation_asks_for_confirmation_first(signed_in):
    client, _ = signed_in(Role.ADMIN)
    subject = UserFactory()
    page = client.get(reverse("accounts:user_deactivate", args=[subject.pk]))
    assert page.status_code == 200 and b"do not come back" in page.content
    subject.refresh_from_db()
    assert subject.is_active and events(AuditAction.USER_DEACTIVATED) == []


def test_an_mfa_reset_asks_for_confirmation_first(signed_in):
    from portal.accounts.models import TOTPDevice

    client, _ = signed_in(Role.ADMIN, step_up=True)
    subject = UserFactory()
    TOTPDevice.objects.create(user=subject, name="Phone", confirmed=True)
    page = client.get(reverse("accounts:user_reset_mfa", args=[subject.pk]))
    assert page.status_code == 200 and b"Reset two-factor authentication" in page.content
    assert TOTPDevice.objects.filter(user=subject).exists() and events(AuditAction.MFA_RESET) == []
