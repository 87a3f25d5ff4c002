"""Every write of the notifications backbone: creating notices exactly once, sending them, and
the user-facing changes (read marks, preferences, calendar links, retrying failed deliveries)."""

import logging
import secrets
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.notifications import registry
from portal.notifications.models import (
    CalendarFeed,
    Channel,
    Notification,
    NotificationPreference,
    notification_key,
)

logger = logging.getLogger(__name__)
User = get_user_model()

DEFAULT_PREFERENCE = NotificationPreference(in_app=True, email=True, daily_digest=False)


@dataclass(frozen=True)
class Notice:
    """What to tell one person; the channels and their states follow from the person's preferences."""

    recipient: "User"
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


@dataclass
class SweepReport:
    today: date
    dry_run: bool
    due: int = 0  # notices due now, including those sent by an earlier sweep
    created: int = 0  # notices this sweep created (each one has a row per channel)
    emails_queued: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)


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


ROW_COLUMNS = ("key", "recipient_id", "channel", "reason", "subject_type", "subject_id", "due_date", "offset_days",
               "title", "body", "link", "critical", "escalation", "status", "attempts", "last_error", "batch",
               "created_at", "sent_at")


def _rows_for(
    notices: Sequence[Notice], prefs: dict[int, NotificationPreference], batch: uuid.UUID | None
) -> list[tuple]:
    """One tuple per (notice, channel), in ROW_COLUMNS order."""
    now = timezone.now()
    rows = []
    for notice in notices:
        pref = prefs.get(notice.recipient.pk, DEFAULT_PREFERENCE)
        for channel in notice.channels:
            status = _status_for(notice, channel, pref)
            key = notification_key(
                recipient_id=notice.recipient.pk, channel=channel, reason=notice.reason,
                subject_type=notice.subject_type, subject_id=notice.subject_id, moment=notice.moment,
            )
            sent_at = now if channel == Channel.IN_APP and status == Notification.Status.SENT else None
            rows.append((
                key, notice.recipient.pk, channel, notice.reason, notice.subject_type, str(notice.subject_id),
                notice.due_date, notice.offset_days, notice.title[:200], notice.body, notice.link[:300],
                notice.critical, notice.escalation, status, 0, "", batch, now, sent_at,
            ))
    return rows


def _insert_new(rows: list[tuple], batch: uuid.UUID | None) -> list[tuple]:
    """Insert the rows whose key is new; return the created ones as (id, channel, status, key).

    On PostgreSQL the rows go through COPY into a temporary table and one INSERT .. ON CONFLICT DO
    NOTHING RETURNING: a sweep of 250,000 items then costs seconds, not minutes. Elsewhere bulk_create
    with ignore_conflicts, then the rows carrying this batch id are the ones created.
    """
    if connection.vendor != "postgresql":
        Notification.objects.bulk_create(
            [Notification(**dict(zip(ROW_COLUMNS, row, strict=True))) for row in rows], ignore_conflicts=True)
        return list(Notification.objects.filter(batch=batch).values_list("id", "channel", "status", "key"))
    table = Notification._meta.db_table
    columns = ", ".join(ROW_COLUMNS)
    with connection.cursor() as cursor:
        # A per-connection staging table with just these columns (no constraints), emptied per batch.
        cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS notification_stage AS "  # noqa: S608 - constant names
                       f"SELECT {columns} FROM {table} WITH NO DATA")
        cursor.execute("TRUNCATE notification_stage")
        with cursor.cursor.copy(f"COPY notification_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM notification_stage "  # noqa: S608
            "ON CONFLICT (key) DO NOTHING RETURNING id, channel, status, key"
        )
        return cursor.fetchall()


DELIVERY_BATCH = 200


def _queue_deliveries(ids: list[int]) -> None:
    """One broker message per batch of notices: a sweep of 250,000 items publishes ~1,250, not 250,000."""
    from portal.notifications.tasks import notification_deliver_task, notifications_deliver_batch_task

    if len(ids) == 1:
        notification_deliver_task.delay(ids[0])
        return
    for start in range(0, len(ids), DELIVERY_BATCH):
        notifications_deliver_batch_task.delay(ids[start:start + DELIVERY_BATCH])


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
    # Only the SQLite path needs a batch id to find its rows again; PostgreSQL has RETURNING.
    batch = uuid.uuid4() if connection.vendor != "postgresql" else None
    created = _insert_new(_rows_for(notices, prefs, batch), batch)
    to_send = [pk for pk, channel, status, _ in created
               if channel == Channel.EMAIL and status == Notification.Status.PENDING]
    if to_send:
        transaction.on_commit(lambda: _queue_deliveries(to_send))
    return created


def notice_send(*, recipient, reason: str, title: str, moment: str, subject=None, body: str = "", link: str = "",
                critical: bool = False, channels: tuple[str, ...] = (Channel.IN_APP, Channel.EMAIL)) -> bool:
    """Tell one person about one thing now (for domain events that are not date-driven). True if new."""
    subject_type = subject._meta.label_lower if subject is not None else ""
    subject_id = str(subject.pk) if subject is not None else ""
    notice = Notice(recipient=recipient, reason=reason, title=title, moment=moment, subject_type=subject_type,
                    subject_id=subject_id, body=body, link=link, critical=critical, channels=channels)
    return bool(notices_create(notices=[notice]))


# --- the reminder sweep -------------------------------------------------------------------------------


class _RoleMembers:
    """Role holders, looked up once per sweep, so escalating to 'every DPO' costs one query in total."""

    def __init__(self):
        self._cache: dict[str, list] = {}

    def __call__(self, role: str) -> list:
        if role not in self._cache:
            self._cache[role] = list(User.objects.filter(groups__name=role, is_active=True).order_by("pk"))
        return self._cache[role]


def _resolve(people: Iterable, role_members: _RoleMembers) -> list:
    out = []
    for person in people or ():
        if person is None:
            continue
        if isinstance(person, str):
            out.extend(role_members(person))
        elif getattr(person, "is_active", True):
            out.append(person)
    return out


def _due_offset(rule: registry.ReminderRule, due: date, today: date, window_start: date) -> int | None:
    """The latest offset whose moment lies in the catch-up window: after an outage, one notice, not a burst."""
    due_now = [o for o in rule.offsets if window_start <= due + timedelta(days=o) <= today]
    return max(due_now) if due_now else None


def _notices_for(rule: registry.ReminderRule, obj, offset: int, role_members: _RoleMembers) -> list[Notice]:
    due = getattr(obj, rule.date_field)
    common = {
        "reason": rule.name, "title": rule.title(obj, offset), "moment": f"{due.isoformat()}{offset:+d}",
        "subject_type": obj._meta.label_lower, "subject_id": str(obj.pk), "due_date": due, "offset_days": offset,
        "link": rule.link(obj) if rule.link else "", "critical": rule.critical,
    }
    seen: set[int] = set()
    notices = []
    for person in _resolve(rule.recipients(obj), role_members):
        if person.pk not in seen:
            seen.add(person.pk)
            notices.append(Notice(recipient=person, **common))
    if rule.escalate_to is not None and offset >= rule.escalate_from:
        for person in _resolve(rule.escalate_to(obj), role_members):
            if person.pk not in seen:
                seen.add(person.pk)
                notices.append(Notice(recipient=person, escalation=True, **common))
    return notices


def _sweep_rule(rule, *, today, window_start, chunk_size, dry_run, role_members, report, on_notice) -> None:
    lowest = window_start - timedelta(days=max(rule.offsets))
    highest = today - timedelta(days=min(rule.offsets))
    base = (
        rule.queryset()
        .filter(**{f"{rule.date_field}__gte": lowest, f"{rule.date_field}__lte": highest})
        .select_related(*rule.select_related)
        .order_by("pk")
    )
    last_pk = None
    while True:
        # Keyset batches: each one commits on its own, so a crash keeps the finished ones, and no cursor
        # stays open across commits. Queries per batch are fixed: select, preferences, insert, read-back.
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        chunk = list(page[:chunk_size])
        if not chunk:
            return
        last_pk, is_last = chunk[-1].pk, len(chunk) < chunk_size
        notices = []
        for obj in chunk:
            if rule.still_open is not None and not rule.still_open(obj):
                continue
            offset = _due_offset(rule, getattr(obj, rule.date_field), today, window_start)
            if offset is not None:
                notices.extend(_notices_for(rule, obj, offset, role_members))
        report.due += len(notices)
        if dry_run:
            existing = set(Notification.objects.filter(
                key__in=[_in_app_key(n) for n in notices]).values_list("key", flat=True))
            for notice in notices:
                if on_notice:
                    on_notice(notice, _in_app_key(notice) not in existing)
        else:
            _record(notices, report, on_notice)
        if is_last:
            return


def _record(notices: list[Notice], report: SweepReport, on_notice) -> None:
    """Create one rule's batch of notices and count the new ones (each new notice has one in-app row)."""
    created = notices_create(notices=notices)
    report.emails_queued += sum(
        1 for _, ch, st, _ in created if ch == Channel.EMAIL and st == Notification.Status.PENDING)
    if on_notice is None:  # only the counts are wanted: no need to key every notice again
        new = sum(1 for _, ch, _, _ in created if ch == Channel.IN_APP)
        if new:
            report.created += new
            report.per_rule[notices[0].reason] = report.per_rule.get(notices[0].reason, 0) + new
        return
    created_keys = {key for _, _, _, key in created}
    for notice in notices:
        is_new = _in_app_key(notice) in created_keys
        if is_new:
            report.created += 1
            report.per_rule[notice.reason] = report.per_rule.get(notice.reason, 0) + 1
        on_notice(notice, is_new)


def _in_app_key(notice: Notice) -> str:
    return notification_key(recipient_id=notice.recipient.pk, channel=Channel.IN_APP, reason=notice.reason,
                            subject_type=notice.subject_type, subject_id=notice.subject_id, moment=notice.moment)


def reminders_sweep(
    *, today: date | None = None, dry_run: bool = False, rule_names: Sequence[str] | None = None,
    on_notice: Callable[[Notice, bool], None] | None = None,
) -> SweepReport:
    """Evaluate every registered rule and create the notices due now; safe to run twice or concurrently."""
    today = today or timezone.localdate()
    window_start = today - timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    report = SweepReport(today=today, dry_run=dry_run)
    role_members = _RoleMembers()
    for rule in registry.rules():
        if rule_names is not None and rule.name not in rule_names:
            continue
        _sweep_rule(rule, today=today, window_start=window_start, chunk_size=settings.REMINDER_BATCH_SIZE,
                    dry_run=dry_run, role_members=role_members, report=report, on_notice=on_notice)
    if report.created and not dry_run:
        audit_record(action=AuditAction.REMINDERS_SWEPT, target_type="notifications.sweep",
                     target_id=today.isoformat(), target_label=f"Reminder sweep of {today.isoformat()}",
                     changes={"created": report.created, "per_rule": report.per_rule})
    return report


# --- delivery -----------------------------------------------------------------------------------------


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL}{link}" if link.startswith("/") else link


def _send_email(*, to: str, subject: str, template: str, context: dict) -> None:
    context = {**context, "site_url": settings.SITE_URL, "organisation_name": settings.ORGANISATION_NAME}
    text = render_to_string(f"email/{template}.txt", context)
    html = render_to_string(f"email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
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
            to=notification.recipient.email, subject=f"[Annex] {notification.title}", template="notification",
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
            to=recipient.email, subject=f"[Annex] Your reminders: {len(held)} item{'s' if len(held) != 1 else ''}",
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


# --- user-facing changes ------------------------------------------------------------------------------


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
