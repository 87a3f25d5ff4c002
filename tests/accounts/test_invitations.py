from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone

from portal.accounts import services
from portal.accounts.models import Invitation, User, hash_secret
from portal.accounts.roles import Role
from portal.audit.models import AuditAction
from tests.accounts.conftest import events
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a long and unusual passphrase 7"


def invite(actor=None, email="new.person@annex.test", roles=(Role.EMPLOYEE,)):
    actor = actor or UserFactory(roles=[Role.ADMIN])
    return services.invitation_create(actor=actor, email=email, full_name="New Person", roles=list(roles))


# Creating


def test_an_admin_invites_by_email_with_a_single_use_link(signed_in, django_capture_on_commit_callbacks, mailoutbox):
    client, admin = signed_in(Role.ADMIN, step_up=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:invitation_create"),
                               {"email": "New.Person@Annex.test", "full_name": "New Person",
                                "roles": [Role.SECURITY_OFFICER, Role.EMPLOYEE]})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:invitation_list")
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@annex.test"
    assert invitation.roles == sorted([Role.SECURITY_OFFICER, Role.EMPLOYEE])
    assert invitation.invited_by == admin
    assert abs((invitation.expires_at - timezone.now()) - timedelta(hours=72)) < timedelta(minutes=1)
    [mail] = mailoutbox
    assert mail.to == ["new.person@annex.test"]
    token = mail.body.split("/account/invitation/")[1].split("/")[0]
    assert invitation.token_hash == hash_secret(token) and token not in invitation.token_hash
    [event] = events(AuditAction.USER_INVITED)
    assert event.actor_id == admin.pk and event.changes["roles"]["after"] == invitation.roles
    assert token not in str(event.changes)


def test_no_email_leaves_before_the_transaction_commits(signed_in, mailoutbox):
    client, _ = signed_in(Role.ADMIN, step_up=True)
    client.post(reverse("accounts:invitation_create"),
                {"email": "x@annex.test", "full_name": "X", "roles": [Role.EMPLOYEE]})
    assert Invitation.objects.count() == 1 and mailoutbox == []


def test_a_dpo_may_invite_but_not_grant_admin(signed_in):
    client, dpo = signed_in(Role.DPO, step_up=True)
    form_page = client.get(reverse("accounts:invitation_create"))
    assert Role.ADMIN not in dict(form_page.context["form"].fields["roles"].choices)
    response = client.post(reverse("accounts:invitation_create"),
                           {"email": "boss@annex.test", "full_name": "Boss", "roles": [Role.ADMIN]})
    assert response.status_code == 200
    assert response.context["form"].errors["roles"]
    assert response.context["form"]["email"].value() == "boss@annex.test"
    assert not Invitation.objects.exists()
    with pytest.raises(services.AccountRuleError, match="Only an administrator"):
        invite(actor=dpo, roles=[Role.ADMIN])


def test_other_roles_may_not_invite(signed_in):
    for role in (Role.AUDITOR, Role.EMPLOYEE, Role.SECURITY_OFFICER):
        client, _ = signed_in(role)
        assert client.get(reverse("accounts:invitation_create")).status_code == 403
        assert client.post(reverse("accounts:invitation_create"),
                           {"email": "a@annex.test", "full_name": "A", "roles": [Role.EMPLOYEE]}).status_code == 403
    assert not Invitation.objects.exists()


def test_an_active_account_or_a_pending_invitation_blocks_a_new_one(signed_in):
    client, _ = signed_in(Role.ADMIN, step_up=True)
    UserFactory(email="taken@annex.test")
    response = client.post(reverse("accounts:invitation_create"),
                           {"email": "Taken@annex.test", "full_name": "T", "roles": [Role.EMPLOYEE]})
    assert "already has an active account" in response.context["form"].non_field_errors()[0]
    invite(email="pending@annex.test")
    response = client.post(reverse("accounts:invitation_create"),
                           {"email": "pending@annex.test", "full_name": "P", "roles": [Role.EMPLOYEE]})
    assert "still pending" in response.context["form"].non_field_errors()[0]
    assert Invitation.objects.count() == 1


# Listing and revoking


def test_the_list_shows_only_pending_invitations(signed_in):
    client, _ = signed_in(Role.DPO)
    pending, _ = invite(email="pending@annex.test")
    revoked, _ = invite(email="revoked@annex.test")
    services.invitation_revoke(actor=revoked.invited_by, invitation=revoked)
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        invite(email="expired@annex.test")
    response = client.get(reverse("accounts:invitation_list"))
    assert list(response.context["invitations"]) == [pending]


def test_revoking_makes_the_link_unusable_and_is_audited(signed_in):
    client, admin = signed_in(Role.ADMIN)
    invitation, token = invite()
    response = client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    [event] = events(AuditAction.INVITATION_REVOKED)
    assert event.actor_id == admin.pk and event.target_id == str(invitation.pk)
    client.logout()
    page = client.get(reverse("accounts:invitation_accept", args=[token]))
    assert page.status_code == 410 and b"withdrawn" in page.content


def test_revoking_twice_changes_nothing_the_second_time(signed_in):
    client, _ = signed_in(Role.ADMIN)
    invitation, _ = invite()
    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    client.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))
    assert len(events(AuditAction.INVITATION_REVOKED)) == 1


def test_revoke_refuses_get_and_other_roles(signed_in):
    invitation, _ = invite()
    client, _ = signed_in(Role.ADMIN)
    assert client.get(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 405
    client, _ = signed_in(Role.AUDITOR)
    assert client.post(reverse("accounts:invitation_revoke", args=[invitation.pk])).status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# Accepting


def test_accepting_sets_the_password_signs_in_with_a_new_session_and_forces_enrolment(client):
    invitation, token = invite(roles=[Role.INCIDENT_RESPONDER])
    url = reverse("accounts:invitation_accept", args=[token])
    assert client.get(url).status_code == 200
    session_before = client.session.session_key
    response = client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:mfa_enrol")
    user = User.objects.get(email="new.person@annex.test")
    assert user.check_password(GOOD_PASSWORD) and user.is_active
    assert user.role_names == [Role.INCIDENT_RESPONDER]
    assert client.session[SESSION_KEY] == str(user.pk)
    assert client.session.session_key != session_before
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_user == user
    [event] = events(AuditAction.INVITATION_ACCEPTED)
    assert event.actor_id == user.pk and event.changes["password"] == {"before": None, "after": "***"}
    # Not verified yet: everything but the MFA pages leads to enrolment.
    dashboard = client.get(reverse("portal:dashboard"))
    assert dashboard["Location"].startswith(reverse("accounts:mfa_enrol"))


def test_a_weak_password_is_refused_and_nothing_changes(client):
    invitation, token = invite()
    url = reverse("accounts:invitation_accept", args=[token])
    response = client.post(url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["new_password2"])
    assert "too short" in errors and "too common" in errors
    assert b'value="password"' not in response.content  # password inputs are not echoed back
    assert not User.objects.filter(email=invitation.email).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_mismatched_passwords_are_refused(client):
    _, token = invite()
    response = client.post(reverse("accounts:invitation_accept", args=[token]),
                           {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD + "x"})
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    assert not User.objects.filter(email="new.person@annex.test").exists()


def test_a_password_like_the_persons_name_is_refused(client):
    _, token = invite()
    response = client.post(reverse("accounts:invitation_accept", args=[token]),
                           {"new_password1": "new.person@annex", "new_password2": "new.person@annex"})
    assert "too similar" in " ".join(response.context["form"].errors["new_password2"])


def test_the_link_works_once(client):
    _, token = invite()
    url = reverse("accounts:invitation_accept", args=[token])
    client.post(url, {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    client.logout()
    again = client.post(url, {"new_password1": GOOD_PASSWORD + "2", "new_password2": GOOD_PASSWORD + "2"})
    assert again.status_code == 410 and b"already been used" in again.content
    assert User.objects.get(email="new.person@annex.test").check_password(GOOD_PASSWORD)


def test_an_expired_link_gives_a_clear_page(client):
    _, token = invite()
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        response = client.get(reverse("accounts:invitation_accept", args=[token]))
    assert response.status_code == 410 and b"expired" in response.content


def test_an_unknown_token_is_not_found(client):
    assert client.get(reverse("accounts:invitation_accept", args=["nope"])).status_code == 404


def test_inviting_a_deactivated_person_reactivates_their_account(client):
    former = UserFactory(email="back@annex.test", is_active=False, roles=[Role.ADMIN])
    _, token = invite(email="back@annex.test", roles=[Role.EMPLOYEE])
    client.post(reverse("accounts:invitation_accept", args=[token]),
                {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})
    former.refresh_from_db()
    assert former.is_active and former.role_names == [Role.EMPLOYEE]
    assert User.objects.filter(email__iexact="back@annex.test").count() == 1


def test_a_reactivated_account_keeps_none_of_its_old_privileges_or_factors(client):
    from rest_framework.authtoken.models import Token

    from portal.accounts.models import TOTPDevice
    from portal.audit.models import AuditAction, AuditEvent
    from tests.conftest import totp_device_for

    former = UserFactory(email="root@annex.test", is_active=False, is_superuser=True, is_staff=True,
                         roles=[Role.ADMIN])
    totp_device_for(former)
    Token.objects.create(user=former)
    _, token = invite(email="root@annex.test", roles=[Role.EMPLOYEE])

    client.post(reverse("accounts:invitation_accept", args=[token]),
                {"new_password1": GOOD_PASSWORD, "new_password2": GOOD_PASSWORD})

    former.refresh_from_db()
    assert former.is_active and not former.is_superuser and not former.is_staff
    assert not TOTPDevice.objects.filter(user=former).exists() and not Token.objects.filter(user=former).exists()
    event = AuditEvent.objects.get(action=AuditAction.USER_REACTIVATED)
    assert event.changes["is_superuser"] == {"before": True, "after": False}
    assert event.changes["roles"] == {"before": [Role.ADMIN], "after": [Role.EMPLOYEE]}
