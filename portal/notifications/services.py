"""The notifications engine: creating notices exactly once, sending them by email and digest, and retrying
failed deliveries. The reminder sweep that makes the date-driven notices is sweep.py; a person's own changes
(read marks, preferences, calendar feed links) are in services_preferences.py."""

import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import ngettext

from portal.accounts.language import recipient_locale
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.core.broker import publish
from portal.notifications.models import (
    Channel,
    Notification,
    NotificationPreference,
    notification_key,
)

logger = logging.getLogger(__name__)
User = get_user_model()

DEFAULT_PREFERENCE = NotificationPreference(in_app=True, email=True, daily_digest=False)


class Person(NamedTuple):
    """A user as a sweep's notice needs them: the id keys the notice, the address names them in a dry run."""

    pk: int
    email: str
    language: str = ""  # "" = the deployment's LANGUAGE_CODE; titles are written in it
    time_zone: str = ""  # "" = the deployment's TIME_ZONE; times in titles are given in it


# Not frozen: a sweep makes hundreds of thousands of notices, and a frozen dataclass takes three times as
# long to build. Treat it as a value all the same.
@dataclass(slots=True)
class Notice:
    """What to tell one person; the channels and their states follow from the person's preferences."""

    recipient: "User | Person"
    reason: str
    title: str
    moment: str  # with reason, subject and recipient, identifies the notice: the same moment is never sent twice
    subject_type: str = ""
    subject_id: str = ""
    body: str = ""
    link: str = ""
    due_date: date | None = None
    offset_days: int | None = None
    critical: bool = False
    escalation: bool = False
    channels: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)

    def key(self, channel: str) -> str:
        """The key of the notice's row on one channel."""
        return notification_key(recipient_id=self.recipient.pk, channel=channel, reason=self.reason,
                                subject_type=self.subject_type, subject_id=self.subject_id, moment=self.moment)


# --- creating notices ---------------------------------------------------------------------------------


def _preferences_for(user_ids: Iterable[int]) -> dict[int, NotificationPreference]:
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=set(user_ids))}


def _status_for(notice: Notice, channel: str, pref: NotificationPreference) -> str:
    if channel == Channel.IN_APP:
        return Notification.Status.SENT if notice.critical or pref.in_app else Notification.Status.MUTED
    if notice.critical:
        return Notification.Status.PENDING
    if not pref.email:
        return Notification.Status.MUTED
    return Notification.Status.DIGEST if pref.daily_digest else Notification.Status.PENDING


class _Row(NamedTuple):
    """One notice on one channel, on its way to becoming a Notification row."""

    notice: Notice
    channel: str
    status: str
    key: str


def _rows_for(notices: Sequence[Notice], prefs: dict[int, NotificationPreference]) -> list[_Row]:
    """One row per (notice, channel); a notice's rows are adjacent."""
    rows = []
    for notice in notices:
        pref = prefs.get(notice.recipient.pk, DEFAULT_PREFERENCE)
        for channel in notice.channels:
            rows.append(_Row(notice, channel, _status_for(notice, channel, pref), notice.key(channel)))
    return rows


def _is_sent_now(row: _Row) -> bool:
    return row.channel == Channel.IN_APP and row.status == Notification.Status.SENT


# COPY's text format: these four characters are escaped, \N is NULL, t and f are booleans.
_COPY_NULL = r"\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value  # nearly always: checking is far cheaper than translating


# The staging table's columns, in COPY order: first those that differ between a notice's rows, then the
# notice's own. The INSERT adds the columns that are the same for the whole batch.
STAGED_COLUMNS = ("key", "channel", "status", "sent_at", "recipient_id", "reason", "subject_type", "subject_id",
                  "due_date", "offset_days", "title", "body", "link", "critical", "escalation")


def _copy_data(rows: list[_Row], now: datetime) -> str:
    """The rows as COPY text in STAGED_COLUMNS order.

    Written here rather than by psycopg's write_row, which adapts every value on its own: a notice's
    columns are formatted once for both its rows, and a batch of 10,000 rows is copied in about half the
    time.
    """
    sent_at = now.isoformat()
    lines = []
    notice = notice_columns = None
    for row in rows:
        if row.notice is not notice:
            notice = row.notice
            notice_columns = "\t".join((
                str(notice.recipient.pk), _copy_text(notice.reason), _copy_text(notice.subject_type),
                _copy_text(str(notice.subject_id)),
                _COPY_NULL if notice.due_date is None else notice.due_date.isoformat(),
                _COPY_NULL if notice.offset_days is None else str(notice.offset_days),
                _copy_text(notice.title[:200]), _copy_text(notice.body), _copy_text(notice.link[:300]),
                "t" if notice.critical else "f", "t" if notice.escalation else "f",
            ))
        lines.append(f"{row.key}\t{row.channel}\t{row.status}\t{sent_at if _is_sent_now(row) else _COPY_NULL}"
                     f"\t{notice_columns}\n")
    return "".join(lines)


def _insert_new(rows: list[_Row]) -> list[tuple]:
    """Insert the rows whose key is new; return the created ones as (id, channel, status, key).

    On PostgreSQL the rows go through COPY into a temporary table and one INSERT .. ON CONFLICT DO
    NOTHING RETURNING: a sweep of 250,000 items then costs seconds, not minutes. Elsewhere bulk_create
    with ignore_conflicts, then the rows carrying this batch's id are the ones created.
    """
    now = timezone.now()
    if connection.vendor != "postgresql":
        batch = uuid.uuid4()
        Notification.objects.bulk_create([
            Notification(
                key=row.key, recipient_id=row.notice.recipient.pk, channel=row.channel, reason=row.notice.reason,
                subject_type=row.notice.subject_type, subject_id=str(row.notice.subject_id),
                due_date=row.notice.due_date, offset_days=row.notice.offset_days, title=row.notice.title[:200],
                body=row.notice.body, link=row.notice.link[:300], critical=row.notice.critical,
                escalation=row.notice.escalation, status=row.status, batch=batch, created_at=now,
                sent_at=now if _is_sent_now(row) else None,
            ) for row in rows
        ], ignore_conflicts=True)
        return list(Notification.objects.filter(batch=batch).values_list("id", "channel", "status", "key"))
    table = Notification._meta.db_table
    staged = ", ".join(STAGED_COLUMNS)
    with connection.cursor() as cursor:
        # A per-connection staging table with just these columns (no constraints), emptied per batch.
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS notification_stage AS "  # noqa: S608 - constant names
                       f"SELECT {staged} FROM {table} WITH NO DATA")
        cursor.execute("TRUNCATE notification_stage")
        with cursor.cursor.copy(f"COPY notification_stage ({staged}) FROM STDIN") as copy:
            copy.write(_copy_data(rows, now))
        cursor.execute(
            f"INSERT INTO {table} ({staged}, attempts, last_error, created_at) "  # noqa: S608
            f"SELECT {staged}, 0, '', %s FROM notification_stage "
            "ON CONFLICT (key) DO NOTHING RETURNING id, channel, status, key",
            [now],
        )
        return cursor.fetchall()


DELIVERY_BATCH = 200


def _queue_deliveries(ids: list[int]) -> None:
    """One broker message per batch of notices: a sweep of 250,000 items publishes ~1,250, not 250,000."""
    from portal.notifications.tasks import notification_deliver_task, notifications_deliver_batch_task

    if len(ids) == 1:
        publish(notification_deliver_task, (ids[0],), what=f"email notice {ids[0]}")
        return
    for start in range(0, len(ids), DELIVERY_BATCH):
        batch = ids[start:start + DELIVERY_BATCH]
        # A short argsrepr: Celery's own repr of 200 ids costs more than publishing the message.
        publish(notifications_deliver_batch_task, (batch,), what=f"{len(batch)} email notices",
                argsrepr=f"([{batch[0]}, .. {batch[-1]}] ({len(batch)} ids),)")


def notifications_requeue(*, min_age: timedelta = timedelta(minutes=15)) -> int:
    """Queue again the email notices still pending, never tried, `min_age` after they were made (their message
    was lost: the broker was down). Delivery locks the row and sends only a pending notice, so never twice."""
    ids = list(Notification.objects.filter(
        channel=Channel.EMAIL, status=Notification.Status.PENDING, attempts=0,
        created_at__lte=timezone.now() - min_age).order_by("pk").values_list("pk", flat=True))
    _queue_deliveries(ids)
    return len(ids)


@transaction.atomic
def notices_create(*, notices: Sequence[Notice], prefs: dict[int, NotificationPreference] | None = None) -> list:
    """Insert the notices' rows, skipping any that exist; queue email for the rows created here, after commit.

    Returns the created rows as (id, channel, status, key). A notice that already exists (an earlier
    or a concurrent sweep made it) is silently skipped: the unique key is what makes sending exactly-once.
    """
    if not notices:
        return []
    if prefs is None:
        prefs = _preferences_for(n.recipient.pk for n in notices)
    created = _insert_new(_rows_for(notices, prefs))
    to_send = [pk for pk, channel, status, _ in created
               if channel == Channel.EMAIL and status == Notification.Status.PENDING]
    if to_send:
        transaction.on_commit(lambda: _queue_deliveries(to_send))
    return created


def notice_send(*, recipient, reason: str, title: str, moment: str, subject=None, body: str = "", link: str = "",
                critical: bool = False, channels: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)) -> bool:
    """Tell one person about one thing now (for domain events that are not date-driven). True if new.

    Pass `title` and `body` as gettext_lazy strings (or lazy strings formatted later): they are written
    in the recipient's language, whatever language the acting request uses.
    """
    with recipient_locale(recipient):
        title, body = str(title), str(body)
    subject_type = subject._meta.label_lower if subject is not None else ""
    subject_id = str(subject.pk) if subject is not None else ""
    notice = Notice(recipient=recipient, reason=reason, title=title, moment=moment, subject_type=subject_type,
                    subject_id=subject_id, body=body, link=link, critical=critical, channels=channels)
    return bool(notices_create(notices=[notice]))


# --- delivery -----------------------------------------------------------------------------------------


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def _send_email(*, recipient, subject: Callable[[], str], template: str, context: dict) -> None:
    """Render and send in the recipient's language and time zone."""
    context = {**context, "site_url": settings.SITE_URL, "organisation_name": settings.ORGANISATION_NAME}
    with recipient_locale(recipient):
        text = render_to_string(f"email/{template}.txt", context)
        html = render_to_string(f"email/{template}.html", context)
        subject_text = subject()
    message = EmailMultiAlternatives(subject=subject_text, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[recipient.email])
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)


def notification_deliver(*, notification_id: int) -> bool:
    """Send one pending email notice. True if it was sent now; False if there was nothing to send.

    The row stays locked while the mail goes out, so a duplicate task for the same row waits and then
    finds it sent. An exception leaves the row pending (the transaction rolls back) for the retry.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",)).select_related("recipient")
            .filter(pk=notification_id, channel=Channel.EMAIL, status=Notification.Status.PENDING).first()
        )
        if notification is None:
            return False
        _send_email(
            recipient=notification.recipient, subject=lambda: f"[Annex] {notification.title}",
            template="notification",
            context={"notification": notification, "recipient": notification.recipient,
                     "link": _absolute(notification.link)},
        )
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.attempts += 1
        notification.last_error = ""
        notification.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return True


@transaction.atomic
def notification_record_failure(*, notification_id: int, error: str, final: bool) -> None:
    """Count a failed attempt; on the last one mark the notice failed, so an admin sees and can retry it."""
    updates = {"attempts": F("attempts") + 1, "last_error": error[:2000]}
    if final:
        updates["status"] = Notification.Status.FAILED
    changed = Notification.objects.filter(
        pk=notification_id, status__in=[Notification.Status.PENDING, Notification.Status.DIGEST]
    ).update(**updates)
    if changed and final:
        audit_record(action=AuditAction.NOTIFICATION_DELIVERY_FAILED, target_type="notifications.notification",
                     target_id=notification_id, target_label=f"Notification {notification_id}",
                     changes={"error": error[:500]})


@transaction.atomic
def notification_retry(*, notification: Notification, actor) -> None:
    """Queue a failed email notice again (admin action)."""
    changed = Notification.objects.filter(pk=notification.pk, status=Notification.Status.FAILED).update(
        status=Notification.Status.PENDING, attempts=0)
    if not changed:
        return
    audit_record(action=AuditAction.NOTIFICATION_DELIVERY_RETRIED, actor=actor, target=notification,
                 changes={"status": {"before": Notification.Status.FAILED, "after": Notification.Status.PENDING}})
    transaction.on_commit(lambda: _queue_deliveries([notification.pk]))


def digest_send(*, user_id: int) -> int:
    """Send one email grouping the person's held reminders; returns how many it carried."""
    with transaction.atomic():
        held = list(
            Notification.objects.select_for_update().filter(
                recipient_id=user_id, channel=Channel.EMAIL, status=Notification.Status.DIGEST
            ).order_by("due_date", "created_at", "pk")
        )
        if not held:
            return 0
        recipient = User.objects.get(pk=user_id)
        _send_email(
            recipient=recipient,
            subject=lambda: "[Annex] " + ngettext("Your reminders: %(count)d item", "Your reminders: %(count)d items",
                                                 len(held)) % {"count": len(held)},
            template="digest",
            context={"recipient": recipient, "items": [(n, _absolute(n.link)) for n in held]},
        )
        Notification.objects.filter(pk__in=[n.pk for n in held]).update(
            status=Notification.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error="")
    return len(held)


@transaction.atomic
def digest_record_failure(*, user_id: int, error: str) -> int:
    """After the last retry the held reminders become failed deliveries, each retryable on its own."""
    ids = list(Notification.objects.filter(
        recipient_id=user_id, channel=Channel.EMAIL, status=Notification.Status.DIGEST).values_list("pk", flat=True))
    for pk in ids:
        notification_record_failure(notification_id=pk, error=error, final=True)
    return len(ids)
