"""The reminder sweep: every registered rule's open items whose date is due now become notices, created
exactly once (services.notices_create), in keyset batches that each commit on their own."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.accounts.language import language_of, recipient_locale, time_zone_of
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.notifications import registry
from portal.notifications.models import Channel, Notification
from portal.notifications.services import Notice, Person, notices_create

User = get_user_model()


@dataclass
class SweepReport:
    today: date
    dry_run: bool
    due: int = 0  # notices due now, including those sent by an earlier sweep
    created: int = 0  # notices this sweep created (each one has a row per channel)
    emails_queued: int = 0
    per_rule: dict[str, int] = field(default_factory=dict)


class _People:
    """The active users a sweep tells, looked up in bulk and kept for the whole sweep: the owners, managers
    and role holders that thousands of items share cost at most a query per batch, not one per item."""

    def __init__(self):
        self._by_id: dict[int, Person | None] = {}
        self._by_role: dict[str, list[Person]] = {}
        self._locales: dict[Person, str] = {}

    def locale(self, person: Person) -> str:
        """The language and time zone in which `person` is written to, as one key."""
        if (key := self._locales.get(person)) is None:
            key = self._locales[person] = f"{language_of(person)} {time_zone_of(person).key}"
        return key

    def load(self, recipients: Iterable) -> None:
        """Look up, in one query, the user ids among these recipients that are not known yet."""
        missing = {r for r in recipients if isinstance(r, int) and r not in self._by_id}
        if missing:
            self._by_id.update(dict.fromkeys(missing))  # inactive and unknown ids stay None: nobody to tell
            self._by_id.update(
                (person.pk, person) for person in map(Person._make, User.objects.filter(
                    pk__in=missing, is_active=True).values_list(*Person._fields)))

    def resolve(self, recipients: Iterable) -> list[Person]:
        """The active people behind user ids and role names (loaded before); None is skipped."""
        out = []
        for recipient in recipients:
            if recipient is None:
                continue
            if isinstance(recipient, str):
                out.extend(self._role(recipient))
            elif isinstance(recipient, int):
                if (person := self._by_id[recipient]) is not None:
                    out.append(person)
            else:
                raise TypeError(f"a reminder recipient is a user id, a role name or None, not {recipient!r}")
        return out

    def _role(self, role: str) -> list[Person]:
        if role not in self._by_role:
            self._by_role[role] = list(map(Person._make, User.objects.filter(
                groups__name=role, is_active=True).order_by("pk").values_list(*Person._fields)))
        return self._by_role[role]


class _DueOffsets(dict):
    """The offset due on a date, per date: the latest offset whose moment lies in the catch-up window, so
    that after an outage one notice is sent, not a burst. A batch's items share a few dates."""

    def __init__(self, offsets: tuple[int, ...], today: date, window_start: date):
        super().__init__()
        self.offsets, self.today, self.window_start = offsets, today, window_start

    def __missing__(self, due: date) -> int | None:
        due_now = [o for o in self.offsets if self.window_start <= due + timedelta(days=o) <= self.today]
        self[due] = offset = max(due_now) if due_now else None
        return offset


def _notices_for(rule: registry.ReminderRule, row: registry.Row, offset: int, subject_type: str,
                 recipients: list[Person], escalated: list[Person], *, titles: dict[str, str],
                 people: _People) -> list[Notice]:
    """The notices about one item, each titled in its recipient's locale (`titles`: locale -> title)."""
    due = getattr(row, rule.date_field)
    due_date = timezone.localdate(due) if isinstance(due, datetime) else due
    moment = f"{due.isoformat()}{offset:+d}"
    subject_id = str(row.pk)
    link = rule.link(row) if rule.link else ""
    seen: set[int] = set()
    notices = []
    for group, escalation in ((recipients, False), (escalated, True)):
        for person in group:
            if person.pk not in seen:
                seen.add(person.pk)
                notices.append(Notice(
                    recipient=person, reason=rule.name, title=titles[people.locale(person)], moment=moment,
                    subject_type=subject_type, subject_id=subject_id, link=link, due_date=due_date,
                    offset_days=offset, critical=rule.critical,
                    escalation=escalation,
                ))
    return notices


def _title_offset(rule: registry.ReminderRule, row: registry.Row, offset: int, today: date) -> int:
    """A rule dated in days titles the distance to the date today: after an outage the moment caught up (offset
    +1, "a day overdue") may be days old, and the notice must not understate how late the item is. A rule that
    steps through its own moments (due_step) titles the step."""
    if rule.due_step is not None:
        return offset
    due = getattr(row, rule.date_field)
    return (today - (timezone.localdate(due) if isinstance(due, datetime) else due)).days


def _due_notices(rule: registry.ReminderRule, rows: list[registry.Row], *, due_offsets: _DueOffsets,
                 subject_type: str, people: _People, now: datetime | None = None) -> list[Notice]:
    """The notices due now about a batch of rows; the people the rule names are looked up once per batch."""
    due = []  # (row, offset, recipients, escalated to), the people as the rule names them
    for row in rows:
        if rule.still_open is not None and not rule.still_open(row):
            continue
        if rule.due_step is not None:
            offset = rule.due_step(row, now or timezone.now())
        else:
            offset = due_offsets[getattr(row, rule.date_field)]
        if offset is None:
            continue
        escalated = rule.escalate_to(row) if rule.escalate_to is not None and offset >= rule.escalate_from else None
        due.append((row, offset, tuple(rule.recipients(row) or ()), tuple(escalated or ())))
    people.load(r for _, _, recipients, escalated in due for r in (*recipients, *escalated))
    today = due_offsets.today
    items = [(row, offset, _title_offset(rule, row, offset, today), people.resolve(recipients),
              people.resolve(escalated)) for row, offset, recipients, escalated in due]
    # Titles are written in each recipient's language and time zone. Switching locale costs more than writing
    # a title, and a batch's thousands of items share a few locales: each locale is entered once per batch and
    # writes there every title that someone in it receives.
    readers: dict[str, tuple[Person, dict[int, None]]] = {}  # locale -> someone in it, the items they receive
    for index, (*_, recipients, escalated) in enumerate(items):
        for person in (*recipients, *escalated):
            readers.setdefault(people.locale(person), (person, {}))[1][index] = None
    titles: list[dict[str, str]] = [{} for _ in items]
    for locale, (someone, indexes) in readers.items():
        with recipient_locale(someone):
            for index in indexes:
                row, _, title_offset, *_ = items[index]
                titles[index][locale] = str(rule.title(row, title_offset))
    notices = []
    for (row, offset, _, recipients, escalated), row_titles in zip(items, titles, strict=True):
        notices.extend(_notices_for(rule, row, offset, subject_type, recipients, escalated, titles=row_titles,
                                    people=people))
    return notices


def _sweep_rule(rule, *, today, window_start, chunk_size, dry_run, people, report, on_notice, now=None) -> None:
    queryset = rule.queryset()
    subject_type = queryset.model._meta.label_lower
    if rule.due_step is None:
        lowest = window_start - timedelta(days=max(rule.offsets))
        highest = today - timedelta(days=min(rule.offsets))
        queryset = queryset.filter(**{f"{rule.date_field}__gte": lowest, f"{rule.date_field}__lte": highest})
    base = rule.rows(queryset.order_by("pk"))
    due_offsets = _DueOffsets(rule.offsets, today, window_start)
    last_pk = None
    while True:
        # Keyset batches: each one commits on its own, so a crash keeps the finished ones, and no cursor
        # stays open across commits. Queries per batch are bounded: select, the people not seen in an
        # earlier batch, preferences, insert.
        page = base if last_pk is None else base.filter(pk__gt=last_pk)
        chunk = list(page[:chunk_size])
        if not chunk:
            return
        last_pk, is_last = chunk[-1].pk, len(chunk) < chunk_size
        notices = _due_notices(rule, chunk, due_offsets=due_offsets, subject_type=subject_type, people=people,
                               now=now)
        report.due += len(notices)
        if dry_run:
            if on_notice is not None:
                keys = [notice.key(Channel.IN_APP) for notice in notices]
                existing = set(Notification.objects.filter(key__in=keys).values_list("key", flat=True))
                for notice, key in zip(notices, keys, strict=True):
                    on_notice(notice, key not in existing)
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
        is_new = notice.key(Channel.IN_APP) in created_keys
        if is_new:
            report.created += 1
            report.per_rule[notice.reason] = report.per_rule.get(notice.reason, 0) + 1
        on_notice(notice, is_new)


def reminders_sweep(
    *, today: date | None = None, dry_run: bool = False, rule_names: Sequence[str] | None = None,
    on_notice: Callable[[Notice, bool], None] | None = None,
) -> SweepReport:
    """Evaluate every registered rule and create the notices due now; safe to run twice or concurrently."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    window_start = today - timedelta(days=settings.REMINDER_CATCH_UP_DAYS)
    report = SweepReport(today=today, dry_run=dry_run)
    people = _People()
    for rule in registry.rules():
        if rule_names is not None and rule.name not in rule_names:
            continue
        _sweep_rule(rule, today=today, window_start=window_start, chunk_size=settings.REMINDER_BATCH_SIZE,
                    dry_run=dry_run, people=people, report=report, on_notice=on_notice, now=now)
    if report.created and not dry_run:
        audit_record(action=AuditAction.REMINDERS_SWEPT, target_type="notifications.sweep",
                     target_id=today.isoformat(), target_label=f"Reminder sweep of {today.isoformat()}",
                     changes={"created": report.created, "per_rule": report.per_rule})
    return report
