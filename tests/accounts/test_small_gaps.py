"""Small gaps closed after the penetration test: service-side permission checks, the otpauth label,
the calendar link's step-up."""

from urllib.parse import unquote, urlsplit

import pytest
from django.urls import reverse

from portal.accounts import services
from portal.accounts.mfa_services import totp_config_url, totp_pending_device
from portal.accounts.roles import Role
from portal.audit.models import AuditAction, AuditEvent
from portal.notifications.models import CalendarFeed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.DPO, Role.AUDITOR, Role.EMPLOYEE, Role.SECURITY_OFFICER])
def test_the_account_services_refuse_an_actor_without_the_permission(role):
    actor, subject = UserFactory(roles=[role]), UserFactory(roles=[Role.EMPLOYEE])
    with pytest.raises(services.AccountRuleError):
        services.user_set_roles(actor=actor, user=subject, roles=[Role.ADMIN])
    with pytest.raises(services.AccountRuleError):
        services.user_reset_mfa(actor=actor, user=subject)
    assert subject.role_names == [Role.EMPLOYEE]
    assert not AuditEvent.objects.filter(action__in=[AuditAction.ROLES_CHANGED, AuditAction.MFA_RESET]).exists()


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EMPLOYEE, Role.SECURITY_OFFICER])
def test_only_those_who_may_invite_can_create_an_invitation_through_the_service(role):
    with pytest.raises(services.AccountRuleError):
        services.invitation_create(actor=UserFactory(roles=[role]), email="new@annex.test", full_name="New",
                                   roles=[Role.EMPLOYEE])


def test_the_otpauth_label_has_a_literal_colon_between_issuer_and_account():
    user = UserFactory(email="responder@annex.test")
    uri = totp_config_url(totp_pending_device(user=user))
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/Annex:responder@annex.test"
    assert "issuer=Annex" in parts.query and "%3A" not in uri
    assert unquote(parts.path[1:]).split(":") == ["Annex", "responder@annex.test"]


def test_the_enrolment_page_shows_the_literal_colon_uri(signed_in):
    client, user = signed_in(Role.EMPLOYEE, verified=False)
    response = client.get(reverse("accounts:mfa_enrol"))
    assert response.status_code == 200
    assert "otpauth://totp/Annex:" in totp_config_url(totp_pending_device(user=user))


def test_issuing_a_calendar_link_needs_a_fresh_second_factor(signed_in):
    client, user = signed_in(Role.EMPLOYEE, step_up=False)
    response = client.post(reverse("notifications:calendar_issue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert not CalendarFeed.objects.filter(user=user).exists()
