"""Changing and resetting passwords (ASVS 2.1.5, 2.5). Every write is audited.

Change: the signed-in person gives the current password after a fresh MFA check; their other sessions end.
Reset: an emailed link with a single-use token (stored hashed) that expires; it sets the password only. The
person then signs in with it and still passes MFA; every session they had ends.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from portal.accounts.language import language_of
from portal.accounts.models import PasswordResetToken, User, hash_secret
from portal.accounts.services import AccountRuleError, _end_sessions, _require, _send
from portal.audit.models import AuditAction
from portal.audit.services import audit_record


@transaction.atomic
def password_change(*, request, user: User, new_password: str) -> int:
    """Set a new password (the form checked the current one); this session stays, the others end."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    update_session_auth_hash(request, user)  # keeps this session valid under the new password hash
    ended = _end_sessions(user, keep=request.session.session_key)
    audit_record(action=AuditAction.PASSWORD_CHANGED, actor=user, target=user,
                 changes={"password": ("set", "changed"), "other_sessions_ended": ended})
    return ended


def reset_link(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:password_reset_confirm", kwargs={"token": token})


@transaction.atomic
def password_reset_send(*, email: str, actor=None) -> bool:
    """Email a reset link if an active account has this address. Returns whether one was sent.

    The person asking is never told whether the address has an account. An administrator (actor) needs
    accounts.change_user.
    """
    if actor is not None:
        _require(actor, "accounts.change_user", gettext("You may not send password resets."))
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return False
    now = timezone.now()
    # One link at a time: asking again replaces the previous one.
    PasswordResetToken.objects.filter(user=user, used_at=None).update(used_at=now)
    token = secrets.token_urlsafe(32)
    minutes = settings.PASSWORD_RESET_VALID_MINUTES
    PasswordResetToken.objects.create(user=user, token_hash=hash_secret(token), created_at=now,
                                      expires_at=now + timedelta(minutes=minutes))
    audit_record(action=AuditAction.PASSWORD_RESET_SENT, actor=actor, target=user,
                 changes={"by_administrator": actor is not None, "valid_minutes": minutes})
    context = {"user": user, "link": reset_link(token), "minutes": minutes, "actor": actor,
               "organisation": settings.ORGANISATION_NAME}
    transaction.on_commit(lambda: _send(subject=lambda: gettext("Reset your Annex password"),
                                        template="accounts/email/password_reset.txt", to=user.email,
                                        context=context, language=language_of(user)))
    return True


def password_reset_token(token: str) -> PasswordResetToken | None:
    """The usable reset token for this link, or None."""
    found = PasswordResetToken.objects.select_related("user").filter(token_hash=hash_secret(token)).first()
    return found if found is not None and found.is_usable() and found.user.is_active else None


@transaction.atomic
def password_reset_complete(*, token: str, new_password: str) -> User:
    """Use a reset link once: set the password and end every session of the account."""
    found = PasswordResetToken.objects.select_for_update().filter(token_hash=hash_secret(token)).first()
    if found is None or not found.is_usable() or not found.user.is_active:
        raise AccountRuleError(gettext("This reset link has expired or was already used. Ask for a new one."))
    user = found.user
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = _end_sessions(user)
    audit_record(action=AuditAction.PASSWORD_RESET, actor=user, target=user,
                 changes={"password": ("set", "reset"), "sessions_ended": ended})
    return user
