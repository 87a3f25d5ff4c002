"""Reads of the notifications backbone, scoped to the person asking."""

from datetime import date, timedelta

from django.db import connection
from django.db.models import QuerySet

from portal.notifications import registry
from portal.notifications.models import Channel, Notification


def notifications_for(user) -> QuerySet[Notification]:
    """The person's in-app notices, newest first."""
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, status=Notification.Status.SENT)


_UNREAD_SQL = (
    f"SELECT COUNT(*) FROM {Notification._meta.db_table} "  # noqa: S608 - the model's own table name
    "WHERE recipient_id = %s AND channel = %s AND status = %s AND read_at IS NULL"
)


def unread_count(user) -> int:
    """The bell's count, on every page: plain SQL over notification_inbox_idx, since compiling the
    equivalent `notifications_for(user).filter(read_at__isnull=True).count()` costs more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user.pk, Channel.IN_APP, Notification.Status.SENT])
        return cursor.fetchone()[0]


def failed_deliveries() -> QuerySet[Notification]:
    return (
        Notification.objects.filter(channel=Channel.EMAIL, status=Notification.Status.FAILED)
        .select_related("recipient")
        .order_by("-created_at", "-pk")
    )


def users_with_held_digest() -> list[int]:
    return list(
        Notification.objects.filter(channel=Channel.EMAIL, status=Notification.Status.DIGEST)
        .order_by().values_list("recipient_id", flat=True).distinct()
    )


def calendar_entries_for(user, *, today: date, past_days: int = 30, horizon_days: int = 400) -> list[dict]:
    """The person's due dates from every rule that offers a calendar: one query per such rule."""
    entries = []
    for rule in registry.rules():
        if rule.calendar_filter is None:
            continue
        rows = rule.rows(
            rule.queryset()
            .filter(rule.calendar_filter(user))
            .filter(**{f"{rule.date_field}__gte": today - timedelta(days=past_days),
                       f"{rule.date_field}__lte": today + timedelta(days=horizon_days)})
            .order_by(rule.date_field, "pk")
        )
        for row in rows:
            title = rule.calendar_title(row) if rule.calendar_title else rule.title(row, 0)
            entries.append({
                "uid": f"{rule.name}-{row.pk}",
                "date": getattr(row, rule.date_field),
                "summary": title,
                "description": rule.description,
                "link": rule.link(row) if rule.link else "",
            })
    entries.sort(key=lambda e: (e["date"], e["uid"]))
    return entries
