import pytest
from django.test import Client
from django.urls import reverse

from portal.accounts import mfa_services
from portal.accounts.models import BackupCodeDevice, TOTPDevice
from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.conftest import sign_in, totp_device_for
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


# The list


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DPO, Role.AUDITOR])
def test_admin_dpo_and_auditor_see_the_user_list(signed_in, role):
    client, _ = signed_in(role)
    assert client.get(reverse("accounts:user_list")).status_code == 200


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.SECURITY_OFFICER, Role.INCIDENT_RESPONDER])
def test_other_roles_get_403_on_the_list(signed_in, role):
    client, _ = signed_in(role)
    assert client.get(reverse("accounts:user_list")).status_code == 403


def test_the_list_runs_the_same_number_of_queries_for_5_and_40_users(signed_in, django_assert_max_num_queries):
    client, _ = signed_in(Role.ADMIN)
    for n in (5, 40):
        for _ in range(n):
            totp_device_for(UserFactory(roles=[Role.EMPLOYEE, Role.AUDITOR]))
        with django_assert_max_num_queries(12):
            response = client.get(reverse("accounts:user_list"))
        assert response.status_code == 200
        assert b"Auditor" in response.content


def test_search_matches_name_or_email(signed_in):
    client, _ = signed_in(Role.ADMIN)
    UserFactory(full_name="Grace Hopper", email="gh@annex.test")
    UserFactory(full_name="Alan Turing", email="hopper.fan@annex.test")
    UserFactory(full_name="Ada Lovelace", email="ada@annex.test")
    response = client.get(reverse("accounts:user_list"), {"q": "hopper"})
    assert sorted(u.full_name for u in response.context["page"]) == ["Alan Turing", "Grace Hopper"]


def test_filter_by_role_and_status(signed_in):
    client, _ = signed_in(Role.ADMIN)
    UserFactory(full_name="Active Auditor", roles=[Role.AUDITOR])
    UserFactory(full_name="Gone Auditor", roles=[Role.AUDITOR], is_active=False)
    UserFactory(full_name="Employee", roles=[Role.EMPLOYEE])
    response = client.get(reverse("accounts:user_list"), {"role": Role.AUDITOR, "active": "yes"})
    assert [u.full_name for u in response.context["page"]] == ["Active Auditor"]
    response = client.get(reverse("accounts:user_list"), {"active": "no"})
    assert [u.full_name for u in response.context["page"]] == ["Gone Auditor"]


def test_htmx_requests_get_only_the_table(signed_in):
    client, _ = signed_in(Role.ADMIN)
    response = client.get(reverse("accounts:user_list"), {"q": "x"}, HTTP_HX_REQUEST="true")
    assert b"<table>" in response.content and b"<html" not in response.content


# The detail page


def test_the_detail_shows_roles_devices_and_recent_events(signed_in):
    client, _ = signed_in(Role.AUDITOR)
    subject = UserFactory(roles=[Role.SECURITY_OFFICER])
    totp_device_for(subject)
    mfa_services.backup_codes_regenerate(actor=subject)
    response = client.get(reverse("accounts:user_detail", args=[subject.pk]))
    assert response.status_code == 200
    assert len(response.context["devices"]) == 1
    assert response.context["backup_codes_remaining"] == 10
    assert [e.action for e in response.context["events"]] == [AuditAction.MFA_BACKUP_CODES_ISSUED]
    # The auditor sees no admin controls.
    assert b"Save roles" not in response.content and b"Deactivate" not in response.content


def test_the_detail_of_a_missing_user_is_404(signed_in):
    client, _ = signed_in(Role.ADMIN)
    assert client.get(reverse("accounts:user_detail", args=[999999])).status_code == 404


# Roles


def test_an_admin_changes_roles_with_one_audit_event_naming_before_and_after(signed_in):
    client, admin = signed_in(Role.ADMIN, step_up=True)
    subject = UserFactory(roles=[Role.EMPLOYEE])
    response = client.post(reverse("accounts:user_roles", args=[subject.pk]),
                           {"roles": [Role.INCIDENT_RESPONDER, Role.EMPLOYEE]})
    assert response.status_code == 302
    assert subject.role_names == [Role.EMPLOYEE, Role.INCIDENT_RESPONDER]
    [event] = events(AuditAction.ROLES_CHANGED)
    assert event.actor_id == admin.pk and event.target_id == str(subject.pk)
    assert event.changes == {"roles": {"before": [Role.EMPLOYEE], "after": [Role.EMPLOYEE, Role.INCIDENT_RESPONDER]}}


def test_unchanged_roles_write_no_event(signed_in):
    client, _ = signed_in(Role.ADMIN)
    subject = UserFactory(roles=[Role.EMPLOYEE])
    client.post(reverse("accounts:user_roles", args=[subject.pk]), {"roles": [Role.EMPLOYEE]})
    assert events(AuditAction.ROLES_CHANGED) == []


def test_an_unknown_role_is_refused(signed_in):
    client, _ = signed_in(Role.ADMIN)
    subject = UserFactory(roles=[Role.EMPLOYEE])
    client.post(reverse("accounts:user_roles", args=[subject.pk]), {"roles": ["Superhero"]})
    assert subject.role_names == [Role.EMPLOYEE]


def test_an_admin_cannot_drop_their_own_admin_role(signed_in):
    client, admin = signed_in(Role.ADMIN, step_up=True)
    response = client.post(reverse("accounts:user_roles", args=[admin.pk]), {"roles": [Role.EMPLOYEE]}, follow=True)
    assert "cannot remove your own Admin role" in response.content.decode()
    assert admin.role_names == [Role.ADMIN]


@pytest.mark.parametrize("role", [Role.DPO, Role.AUDITOR])
def test_viewers_cannot_change_roles(signed_in, role):
    client, _ = signed_in(role)
    subject = UserFactory(roles=[Role.EMPLOYEE])
    assert client.post(reverse("accounts:user_roles", args=[subject.pk]), {"roles": [Role.ADMIN]}).status_code == 403
    assert subject.role_names == [Role.EMPLOYEE]


# Deactivation


def test_a_deactivated_user_cannot_sign_in_and_their_session_ends(signed_in):
    client, admin = signed_in(Role.ADMIN)
    subject = UserFactory()
    their_client = sign_in(Client(), subject)
    assert their_client.get(reverse("portal:dashboard")).status_code == 200
    response = client.post(reverse("accounts:user_deactivate", args=[subject.pk]))
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.is_active is False
    [event] = events(AuditAction.USER_DEACTIVATED)
    assert event.actor_id == admin.pk and event.changes["is_active"] == {"before": True, "after": False}
    assert their_client.get(reverse("portal:dashboard"))["Location"].startswith(reverse("accounts:login"))
    login = Client().post(reverse("accounts:login"), {"username": subject.email, "password": DEFAULT_PASSWORD})
    assert login.status_code == 200 and login.context["form"].errors


def test_an_admin_cannot_deactivate_themself(signed_in):
    client, admin = signed_in(Role.ADMIN)
    client.post(reverse("accounts:user_deactivate", args=[admin.pk]))
    admin.refresh_from_db()
    assert admin.is_active and events(AuditAction.USER_DEACTIVATED) == []


def test_reactivation_is_audited(signed_in):
    client, _ = signed_in(Role.ADMIN)
    subject = UserFactory(is_active=False)
    client.post(reverse("accounts:user_reactivate", args=[subject.pk]))
    subject.refresh_from_db()
    assert subject.is_active and len(events(AuditAction.USER_REACTIVATED)) == 1


def test_deactivation_changes_nothing_on_get_and_refuses_non_admins(signed_in):
    subject = UserFactory()
    client, _ = signed_in(Role.ADMIN)
    assert client.get(reverse("accounts:user_deactivate", args=[subject.pk])).status_code == 200
    client, _ = signed_in(Role.DPO)
    assert client.post(reverse("accounts:user_deactivate", args=[subject.pk])).status_code == 403
    subject.refresh_from_db()
    assert subject.is_active


# MFA reset


def test_an_admin_resets_a_users_mfa_and_the_user_is_told(signed_in, django_capture_on_commit_callbacks, mailoutbox):
    client, admin = signed_in(Role.ADMIN, step_up=True)
    subject = UserFactory(email="lost.phone@annex.test")
    totp_device_for(subject)
    mfa_services.backup_codes_regenerate(actor=subject)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:user_reset_mfa", args=[subject.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=subject).exists()
    assert not BackupCodeDevice.objects.filter(user=subject).exists()
    [event] = events(AuditAction.MFA_RESET)
    assert event.actor_id == admin.pk and event.target_id == str(subject.pk)
    assert event.changes["authenticator_apps"] == {"before": 1, "after": 0}
    [mail] = mailoutbox
    assert mail.to == ["lost.phone@annex.test"] and "reset" in mail.subject


def test_after_a_reset_the_user_must_enrol_again(signed_in):
    client, _ = signed_in(Role.ADMIN, step_up=True)
    subject = UserFactory()
    their_client = sign_in(Client(), subject, step_up=True)
    client.post(reverse("accounts:user_reset_mfa", args=[subject.pk]))
    assert their_client.get(reverse("portal:dashboard"))["Location"].startswith(reverse("accounts:mfa_enrol"))


def test_mfa_reset_requires_step_up(signed_in):
    client, _ = signed_in(Role.ADMIN, step_up=False)
    subject = UserFactory()
    totp_device_for(subject)
    response = client.post(reverse("accounts:user_reset_mfa", args=[subject.pk]))
    assert response["Location"].startswith(reverse("accounts:mfa_step_up"))
    assert TOTPDevice.objects.filter(user=subject).exists()
    assert events(AuditAction.MFA_RESET) == []


def test_an_mfa_reset_also_revokes_the_api_token_and_calendar_feed(signed_in):
    from portal.accounts.models import ApiToken
    from portal.accounts.tokens import api_token_create
    from portal.audit.models import AuditEvent
    from portal.notifications.models import CalendarFeed
    from portal.notifications.services_preferences import calendar_feed_issue

    client, _admin = signed_in(Role.ADMIN, step_up=True)
    user = UserFactory(roles=[Role.SECURITY_OFFICER])
    totp_device_for(user)
    api_token_create(user=user)
    calendar_feed_issue(user=user, actor=user)

    response = client.post(reverse("accounts:user_reset_mfa", args=[user.pk]))

    assert response.status_code == 302
    assert not ApiToken.objects.filter(user=user).exists()
    assert not CalendarFeed.objects.filter(user=user).exists()
    event = AuditEvent.objects.filter(action=AuditAction.MFA_RESET).latest("seq")
    assert event.changes["api_tokens"] == {"before": 1, "after": 0}
    assert event.changes["calendar_feeds"] == {"before": 1, "after": 0}
