"""Reads of the audit trail. Who may read it at all is the view's permission check."""

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from portal.audit.models import AuditEvent

CSV_COLUMNS = (
    "seq", "created_at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_label",
    "changes", "ip", "user_agent", "request_id", "prev_hash", "hash",
)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events_matching(
    *,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching the viewer's filters, newest first. Dates are whole days in the portal's time zone."""
    events = AuditEvent.objects.order_by("-seq")
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if action:
        events = events.filter(action=action)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if date_from:
        events = events.filter(created_at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(created_at__lt=_start_of(date_to + timedelta(days=1)))
    return events


def audit_event_list_page_rows(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Only the columns the list shows: no hashes, no user agent."""
    return events.only("seq", "created_at", "actor_label", "action", "target_type", "target_id", "target_label",
                       "changes", "ip")


def audit_event_previous_hash(event: AuditEvent) -> str | None:
    """The stored hash of the event before this one, or None when that event is not in the trail."""
    return AuditEvent.objects.filter(seq=event.seq - 1).values_list("hash", flat=True).first()
