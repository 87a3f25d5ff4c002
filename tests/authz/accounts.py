import uuid

from portal.accounts.roles import Role
from tests.authz.spec import EVERY_VERIFIED_USER, PUBLIC, Access

ADMINS = [Role.ADMIN.value]
INVITERS = [Role.ADMIN.value, Role.DPO.value]
USER_VIEWERS = [Role.ADMIN.value, Role.DPO.value, Role.AUDITOR.value]


def _own_totp_device(owner) -> dict:
    from portal.accounts.models import TOTPDevice

    return {"pk": TOTPDevice.objects.create(user=owner, name="Spare", confirmed=True).pk}


def _invitation(owner=None) -> tuple:
    from portal.accounts.services import invitation_create
    from tests.factories import UserFactory

    return invitation_create(actor=UserFactory(roles=[Role.ADMIN]), email=f"{uuid.uuid4().hex[:12]}@annex.test",
                             full_name="Invited Person", roles=[Role.EMPLOYEE])


def _invitation_token(owner=None) -> dict:
    return {"token": _invitation(owner)[1]}


def _invitation_pk(owner=None) -> dict:
    return {"pk": _invitation(owner)[0].pk}


def _some_user(owner=None) -> dict:
    from tests.factories import UserFactory

    return {"pk": UserFactory(roles=[Role.EMPLOYEE]).pk}


def _inactive_user(owner=None) -> dict:
    from tests.factories import UserFactory

    return {"pk": UserFactory(roles=[Role.EMPLOYEE], is_active=False).pk}


def _reset_token(owner) -> dict:
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from portal.accounts.models import PasswordResetToken, hash_secret

    token = secrets.token_urlsafe(16)
    PasswordResetToken.objects.create(user=owner, token_hash=hash_secret(token),
                                      expires_at=timezone.now() + timedelta(minutes=30))
    return {"token": token}


def _lockout(owner=None) -> dict:
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.create(
        username=f"{uuid.uuid4().hex[:12]}@annex.test", ip_address="192.0.2.1", user_agent="authz",
        http_accept="*/*", path_info="/account/login/", get_data="", post_data="", failures_since_start=5)
    return {"pk": attempt.pk}


ENTRIES = [
    # Signed-in users are sent on from the login page; a password-only session on to its MFA step.
    Access("accounts:login", PUBLIC, anonymous=200, ok=302, also={"post": (200, 302)}),
    Access("accounts:logout", EVERY_VERIFIED_USER, method="post", ok=302, anonymous=302, mfa_exempt=True),
    Access("accounts:mfa_enrol", EVERY_VERIFIED_USER, mfa_exempt=True, also={"post": 200}, step_up=True),
    # The header's language switch works for everyone, signed in or not (a cookie; the account when signed in).
    Access("accounts:language", PUBLIC, method="post", ok=302, anonymous=302, mfa_exempt=True,
           data=lambda: {"language": "de", "next": "/"}),
    Access("accounts:preferences", EVERY_VERIFIED_USER, also={"post": 302}),
    Access("accounts:mfa_verify", EVERY_VERIFIED_USER, ok=302, mfa_exempt=True,
           note="a verified session is sent on to where it was going", also={"post": 302}),
    Access("accounts:mfa_step_up", EVERY_VERIFIED_USER, mfa_exempt=True, also={"post": 200}),
    # The user's own second factors.
    Access("accounts:security", EVERY_VERIFIED_USER),
    Access("accounts:backup_codes_regenerate", EVERY_VERIFIED_USER, method="post", ok=200,
           note="the response shows the new codes once", step_up=True),
    Access("accounts:device_remove", EVERY_VERIFIED_USER, method="post", ok=302, kwargs=_own_totp_device,
           outsider=404, note="only the owner's own devices", step_up=True),
    # Invitations: accepting is public (the token is the credential), the rest is for Admin and DPO.
    Access("accounts:invitation_accept", PUBLIC, anonymous=200, kwargs=_invitation_token, mfa_exempt=True,
           also={"post": 200}),
    Access("accounts:invitation_list", INVITERS),
    Access("accounts:invitation_create", INVITERS, also={"post": 200}, step_up=True),
    Access("accounts:invitation_revoke", INVITERS, method="post", ok=302, kwargs=_invitation_pk),
    # User administration: Admin changes, DPO and Auditor may look.
    Access("accounts:user_list", USER_VIEWERS),
    Access("accounts:user_detail", USER_VIEWERS, kwargs=_some_user),
    Access("accounts:user_roles", ADMINS, method="post", ok=302, kwargs=_some_user,
           data=lambda: {"roles": [Role.EMPLOYEE.value, Role.AUDITOR.value]}, step_up=True),
    Access("accounts:user_deactivate", ADMINS, method="post", ok=302, kwargs=_some_user, also={"get": 200}),
    Access("accounts:user_reactivate", ADMINS, method="post", ok=302, kwargs=_inactive_user),
    Access("accounts:user_reset_mfa", ADMINS, method="post", ok=302, kwargs=_some_user, also={"get": 200},
           step_up=True),
    # Passwords: one's own change (step-up), a reset by emailed link (public), a reset sent by an administrator.
    Access("accounts:password_change", EVERY_VERIFIED_USER, also={"post": 200}, step_up=True),
    Access("accounts:password_reset", PUBLIC, anonymous=200, mfa_exempt=True, also={"post": 200}),
    Access("accounts:password_reset_confirm", PUBLIC, anonymous=200, kwargs=_reset_token, mfa_exempt=True,
           also={"post": 200}),
    Access("accounts:user_send_password_reset", ADMINS, method="post", ok=302, kwargs=_some_user, step_up=True),
    # Sign-in lockouts: an administrator sees and lifts them.
    Access("accounts:lockout_list", ADMINS),
    Access("accounts:lockout_lift", ADMINS, method="post", ok=302, kwargs=_lockout, step_up=True),
]
