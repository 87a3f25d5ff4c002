"""A person's own notification changes: read marks, preferences and calendar feed links."""

import secrets

from django.db import transaction
from django.utils import timezone

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.notifications.models import CalendarFeed, Channel, Notification, NotificationPreference


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor) -> bool:
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        audit_record(action=AuditAction.NOTIFICATION_READ, actor=actor, target=notification)
    return bool(changed)


@transaction.atomic
def notifications_mark_all_read(*, user, actor) -> int:
    changed = Notification.objects.filter(
        recipient=user, channel=Channel.IN_APP, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        audit_record(action=AuditAction.NOTIFICATIONS_ALL_READ, actor=actor, target=user, changes={"count": changed})
    return changed


PREFERENCE_FIELDS = ("in_app", "email", "daily_digest")


@transaction.atomic
def preferences_update(*, user, actor, in_app: bool, email: bool, daily_digest: bool) -> NotificationPreference:
    pref, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    before = {name: getattr(pref, name) for name in PREFERENCE_FIELDS}
    pref.in_app, pref.email, pref.daily_digest = in_app, email, daily_digest
    changes = {name: (before[name], getattr(pref, name)) for name in PREFERENCE_FIELDS
               if before[name] != getattr(pref, name)}
    if changes:
        pref.save(update_fields=[*changes, "updated_at"])
        audit_record(action=AuditAction.NOTIFICATION_PREFERENCES_CHANGED, actor=actor, target=user,
                     changes={name: {"before": b, "after": a} for name, (b, a) in changes.items()})
    return pref


@transaction.atomic
def calendar_feed_issue(*, user, actor) -> str:
    """Create (or replace) the person's secret calendar URL token; the plain token is returned only now."""
    token = secrets.token_urlsafe(32)
    replaced = CalendarFeed.objects.filter(user=user).delete()[0] > 0
    CalendarFeed.objects.create(user=user, token_hash=CalendarFeed.hash_token(token))
    audit_record(action=AuditAction.CALENDAR_FEED_ISSUED, actor=actor, target=user,
                 changes={"token": {"before": "***" if replaced else None, "after": "***"}})
    return token


@transaction.atomic
def calendar_feed_revoke(*, user, actor) -> bool:
    deleted = CalendarFeed.objects.filter(user=user).delete()[0] > 0
    if deleted:
        audit_record(action=AuditAction.CALENDAR_FEED_REVOKED, actor=actor, target=user)
    return deleted


def calendar_feeds_revoke_all(user) -> int:
    """Delete every calendar feed link of a user (registered with accounts as a standing credential).

    Called inside the deactivation or MFA reset that audits it, so it records no event of its own."""
    return CalendarFeed.objects.filter(user=user).delete()[0]
