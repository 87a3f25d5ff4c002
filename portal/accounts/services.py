"""Every write to accounts goes through here: one transaction, one audit event."""

import logging
import secrets
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import login as django_login
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from portal.accounts.credentials import credential_revokers
from portal.accounts.language import is_known_time_zone, language_of, supported_language
from portal.accounts.models import BackupCodeDevice, Invitation, TOTPDevice, User, hash_secret
from portal.accounts.role_listeners import roles_changed
from portal.accounts.roles import Role, user_has_role
from portal.accounts.tokens import revoke_api_tokens
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

logger = logging.getLogger(__name__)

MODEL_BACKEND = "portal.accounts.backends.RoleModelBackend"


class AccountRuleError(Exception):
    """A business rule refused the change; the message is shown to the user as is."""


@transaction.atomic
def user_sign_in(*, request, user) -> None:
    """Start a password-authenticated session (rotated); MFA is still to come."""
    django_login(request, user)  # cycles the session key
    audit_record(action=AuditAction.LOGIN, actor=user, target=user)


def user_sign_in_failed(*, email: str) -> None:
    """Record a failed password. What was typed goes in only if it is an email address: people type
    their password into the username box, and the trail can never be edited afterwards."""
    try:
        validate_email(email)
    except ValidationError:
        audit_record(action=AuditAction.LOGIN_FAILED, target_type="accounts.user",
                     target_label="(not an email address)")
        return
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        audit_record(action=AuditAction.LOGIN_FAILED, target=user)
    else:
        audit_record(action=AuditAction.LOGIN_FAILED, target_type="accounts.user", target_label=email.lower()[:254])


def user_locked_out(*, username: str) -> None:
    """Record that django-axes locked sign-in for this username (and address)."""
    audit_record(action=AuditAction.LOCKED_OUT, target_type="accounts.user", target_label=(username or "")[:254],
                 changes={"failures": (None, settings.AXES_FAILURE_LIMIT)})


def _require(actor, permission: str, message: str) -> None:
    """Defence in depth: the services check the actor's permission themselves, not only the views."""
    if actor is None or not actor.has_perm(permission):
        raise AccountRuleError(message)


def _send(*, subject, template: str, to: str, context: dict, language: str) -> None:
    """Send in the recipient's `language`; `subject` is a callable, so it is written in that language too."""
    try:
        with translation.override(language):
            subject_text = subject()
            body = render_to_string(template, context)
        send_mail(subject_text, body, None, [to])
    except Exception:  # the change is committed; a mail outage must not turn it into a 500
        logger.exception("could not send %s to %s", template, to)


def _clean_roles(roles) -> list[str]:
    known = set(Role.values)
    wanted = sorted({str(r) for r in roles})
    unknown = [r for r in wanted if r not in known]
    if unknown:
        raise AccountRuleError(_("Unknown role: %(roles)s.") % {"roles": ", ".join(unknown)})
    return wanted


def grantable_roles(actor) -> list[str]:
    """Roles this actor may hand out: an administrator any, a DPO all but Admin."""
    if user_has_role(actor, Role.ADMIN):
        return list(Role.values)
    return [r for r in Role.values if r != Role.ADMIN]


def invitation_link(token: str) -> str:
    return settings.SITE_URL + reverse("accounts:invitation_accept", kwargs={"token": token})


@transaction.atomic
def invitation_create(*, actor, email: str, full_name: str, roles, language: str = "") -> tuple[Invitation, str]:
    """Invite someone by email. Returns the invitation and its token (which is only emailed, never stored).

    `language` ("de", "en"; "" = the inviter's current one) is the email's, and the new account's.
    """
    _require(actor, "accounts.invite_user", gettext("You may not invite people."))
    language = supported_language(language) or supported_language(get_language()) or settings.LANGUAGE_CODE
    email = User.objects.normalize_email(email).strip().lower()
    roles = _clean_roles(roles)
    if not roles:
        raise AccountRuleError(_("Choose at least one role."))
    if Role.ADMIN in roles and Role.ADMIN not in grantable_roles(actor):
        raise AccountRuleError(_("Only an administrator may grant the Admin role."))
    if User.objects.filter(email__iexact=email, is_active=True).exists():
        raise AccountRuleError(_("Someone with this email address already has an active account."))
    now = timezone.now()
    if Invitation.objects.filter(email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=now).exists():
        raise AccountRuleError(_("An invitation to this address is still pending. Revoke it first to send a new one."))
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        roles=roles,
        language=language,
        invited_by=actor,
        token_hash=hash_secret(token),
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_VALID_HOURS),
    )
    audit_record(action=AuditAction.USER_INVITED, actor=actor, target=invitation, target_label=email,
                 changes={"email": (None, email), "roles": (None, roles),
                          "expires_at": (None, invitation.expires_at.isoformat())})
    context = {"invitation": invitation, "link": invitation_link(token), "inviter": actor,
               "organisation": settings.ORGANISATION_NAME, "hours": settings.INVITATION_VALID_HOURS}
    transaction.on_commit(lambda: _send(
        subject=lambda: _("You are invited to Annex (%(organisation)s)") % {"organisation": settings.ORGANISATION_NAME},
        template="accounts/email/invitation.txt", to=email, context=context, language=language))
    return invitation, token


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    _require(actor, "accounts.invite_user", gettext("You may not revoke invitations."))
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending():
        raise AccountRuleError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(action=AuditAction.INVITATION_REVOKED, actor=actor, target=invitation, target_label=invitation.email,
                 changes={"revoked_at": (None, invitation.revoked_at.isoformat())})


@transaction.atomic
def invitation_accept(*, request, invitation: Invitation, password: str) -> User:
    """Use an invitation once: create (or reactivate) the account, set its password and sign it in.

    The new session has not passed MFA, so the middleware sends it straight to enrolment.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending():
        raise AccountRuleError(_("This invitation can no longer be used."))
    user = User.objects.select_for_update().filter(email__iexact=invitation.email).first()
    if user is not None and user.is_active:
        raise AccountRuleError(_("An account with this email address already exists. Sign in instead."))
    reactivated = user is not None
    if user is None:
        # The new account starts in the invitation's language, else the one its browser asked for.
        user = User(email=invitation.email, full_name=invitation.full_name,
                    language=supported_language(invitation.language)
                    or supported_language(getattr(request, "LANGUAGE_CODE", "")) or "")
    else:
        # A former account comes back with the invitation's roles only: none of its old privileges,
        # second factors or API token carry over to whoever holds the invitation link now.
        before = {"roles": user.role_names, "is_superuser": user.is_superuser, "is_staff": user.is_staff}
        user.is_superuser = user.is_staff = False
        _revoke_credentials(user)
    user.is_active = True
    user.set_password(password)
    user.save()
    user.groups.set(Group.objects.filter(name__in=invitation.roles))
    roles_changed(user.pk)
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    if reactivated:
        audit_record(action=AuditAction.USER_REACTIVATED, actor=user, target=user,
                     changes={"is_active": (False, True), "roles": (before["roles"], sorted(invitation.roles)),
                              "is_superuser": (before["is_superuser"], False),
                              "is_staff": (before["is_staff"], False)})
    audit_record(action=AuditAction.INVITATION_ACCEPTED, actor=user, target=user,
                 changes={"invitation": (None, invitation.pk), "roles": (None, sorted(invitation.roles)),
                          "password": (None, "set")})
    django_login(request, user, backend=MODEL_BACKEND)  # a fresh session key
    return user


@transaction.atomic
def user_set_roles(*, actor, user: User, roles) -> bool:
    """Give the user exactly these roles. Returns False when nothing changed."""
    _require(actor, "accounts.manage_roles", gettext("You may not change roles."))
    roles = _clean_roles(roles)
    before = user.role_names
    if before == roles:
        return False
    if user.pk == actor.pk and Role.ADMIN in before and Role.ADMIN not in roles:
        raise AccountRuleError(_("You cannot remove your own Admin role; ask another administrator."))
    user.groups.set(Group.objects.filter(name__in=roles))
    audit_record(action=AuditAction.ROLES_CHANGED, actor=actor, target=user, changes={"roles": (before, roles)})
    roles_changed(user.pk)
    return True


def _end_sessions(user: User, *, keep: str | None = None) -> int:
    """Delete every session of the user (but `keep`) from the session store, cache included. Returns how many.

    Sessions do not record their user in a column, so each live one is read; a deployment has a few
    thousand at most, and this runs only on deactivation and password changes.
    """
    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(chunk_size=500):
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get(SESSION_KEY, "")) == str(user.pk):
            engine.SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


def _revoke_standing_credentials(user: User) -> dict[str, int]:
    """End what lets a person in without typing a password: sessions, the API token, and the credentials other
    apps issue and registered in portal.accounts.credentials (the calendar feed)."""
    removed = {"sessions": _end_sessions(user), "api_tokens": revoke_api_tokens(user=user)}
    for name, revoke in credential_revokers():
        removed[name] = revoke(user)
    return removed


@transaction.atomic
def user_deactivate(*, actor, user: User) -> None:
    """A deactivated account can no longer sign in. Its sessions, API token and calendar feed end for good:
    reactivating the account later does not bring any of them back.

    `actor=None` is Annex itself (a leaver processed by a sweep); a person needs accounts.deactivate_user.
    """
    if actor is not None and not actor.has_perm("accounts.deactivate_user"):
        raise AccountRuleError(gettext("You may not deactivate accounts."))
    if actor is not None and user.pk == actor.pk:
        raise AccountRuleError(gettext("You cannot deactivate your own account."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise AccountRuleError(_("This account is already deactivated."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    removed = _revoke_standing_credentials(user)
    audit_record(action=AuditAction.USER_DEACTIVATED, actor=actor, target=user,
                 changes={"is_active": (True, False), **{name: (count, 0) for name, count in removed.items()}})


@transaction.atomic
def user_reactivate(*, actor, user: User) -> None:
    """Let a deactivated account sign in again, with its password and second factors; nothing else returns."""
    if not actor.has_perm("accounts.deactivate_user"):
        raise AccountRuleError(gettext("You may not reactivate accounts."))
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        raise AccountRuleError(_("This account is already active."))
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(action=AuditAction.USER_REACTIVATED, actor=actor, target=user, changes={"is_active": (False, True)})


def _revoke_credentials(user: User) -> dict[str, int]:
    """Remove every second factor and every standing credential (API token, and those other apps registered
    in portal.accounts.credentials, such as calendar feed links) of a user."""
    removed = {}
    for name, model in (("authenticator_apps", TOTPDevice), ("backup_code_sets", BackupCodeDevice)):
        rows = model.objects.filter(user=user)
        removed[name] = rows.count()  # delete() would also count cascaded rows (the codes of a set)
        rows.delete()
    removed["api_tokens"] = revoke_api_tokens(user=user)
    for name, revoke in credential_revokers():
        removed[name] = revoke(user)
    return removed


@transaction.atomic
def user_reset_mfa(*, actor, user: User) -> int:
    """Delete every second factor of the user (they enrol again at next sign-in) and tell them by email.

    A reset usually follows a suspected compromise, so the API token and calendar feed issued under the
    old factor go too.
    """
    _require(actor, "accounts.reset_mfa", gettext("You may not reset another person's two-factor authentication."))
    removed = _revoke_credentials(user)
    totp_deleted = removed["authenticator_apps"]
    audit_record(action=AuditAction.MFA_RESET, actor=actor, target=user,
                 changes={name: (count, 0) for name, count in removed.items()})
    context = {"user": user, "actor": actor, "organisation": settings.ORGANISATION_NAME,
               "login_link": settings.SITE_URL + reverse("accounts:login")}
    transaction.on_commit(lambda: _send(subject=lambda: _("Your Annex two-factor authentication was reset"),
                                        template="accounts/email/mfa_reset.txt", to=user.email, context=context,
                                        language=language_of(user)))
    return totp_deleted


@transaction.atomic
def sign_in_unlock(*, actor, username: str, ip_address: str | None) -> int:
    """Lift the lockout of one (email address, client address) pair. Returns the failure rows removed."""
    from axes.models import AccessAttempt

    if not actor.has_perm("axes.delete_accessattempt"):
        raise AccountRuleError(gettext("You may not lift sign-in lockouts."))
    rows = AccessAttempt.objects.select_for_update().filter(username=username, ip_address=ip_address)
    failures = sum(rows.values_list("failures_since_start", flat=True))
    removed = rows.count()
    if not removed:
        raise AccountRuleError(gettext("This sign-in is no longer locked."))
    rows.delete()
    audit_record(action=AuditAction.LOCKOUT_LIFTED, actor=actor, target_type="accounts.user",
                 target_label=username[:254], changes={"address": ip_address or "", "failures": (failures, 0)})
    return removed


@transaction.atomic
def user_set_preferences(*, actor, user: User, language: str | None = None, time_zone: str | None = None) -> bool:
    """Set a user's language and/or time zone ("" follows the browser / the deployment). False if unchanged."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if actor.pk != user.pk:
        raise AccountRuleError(_("You can change only your own language and time zone."))
    changes = {}
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise AccountRuleError(_("Choose one of the offered languages."))
        if language != user.language:
            changes["language"] = (user.language, language)
            user.language = language
    if time_zone is not None:
        if time_zone and not is_known_time_zone(time_zone):
            raise AccountRuleError(_("Choose a time zone from the list."))
        if time_zone != user.time_zone:
            changes["time_zone"] = (user.time_zone, time_zone)
            user.time_zone = time_zone
    if not changes:
        return False
    user.save(update_fields=list(changes))
    audit_record(action=AuditAction.USER_PREFERENCES_CHANGED, actor=actor, target=user, changes=changes)
    return True
