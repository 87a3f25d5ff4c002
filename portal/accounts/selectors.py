"""Reads for accounts, with the joins done, so list pages run a fixed number of queries."""

from django.contrib.auth.models import Group
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.accounts.models import BackupCode, Invitation, TOTPDevice, User, hash_secret
from portal.audit.models import AuditEvent


def users_for_admin(*, search: str = "", role: str = "", active: bool | None = None) -> QuerySet[User]:
    """Users for the administration list: roles prefetched, authenticator apps counted."""
    qs = User.objects.prefetch_related(Prefetch("groups", queryset=Group.objects.order_by("name"))).annotate(
        mfa_devices=Count("totp_devices", filter=Q(totp_devices__confirmed=True), distinct=True)
    )
    if search:
        qs = qs.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role:
        qs = qs.filter(groups__name=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("full_name", "email")


def user_detail(*, pk: int) -> User:
    return User.objects.select_related("manager").prefetch_related("groups").get(pk=pk)


def user_devices(*, user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id"))


def user_backup_codes_remaining(*, user: User) -> int:
    return BackupCode.objects.filter(device__user=user, device__confirmed=True, used_at__isnull=True).count()


def user_recent_events(*, user: User, limit: int = 20) -> list[AuditEvent]:
    """Recent audit events done by or to the user."""
    about = Q(target_type=User._meta.label_lower, target_id=str(user.pk))
    return list(AuditEvent.objects.filter(about | Q(actor=user)).order_by("-seq")[:limit])


def invitations_pending() -> QuerySet[Invitation]:
    now = timezone.now()
    return (
        Invitation.objects.filter(accepted_at=None, revoked_at=None, expires_at__gt=now)
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_for_token(token: str) -> Invitation | None:
    return Invitation.objects.filter(token_hash=hash_secret(token)).first()


def sign_in_lockouts() -> QuerySet:
    """(email, address) pairs whose sign-in is locked now: enough failures within the cool-off time."""
    from axes.models import AccessAttempt
    from django.conf import settings

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")
