"""Deadline arithmetic, and the codes of the built-in obligation templates (obligation_templates.py).

Hours are elapsed hours: 72 hours from awareness are 72 real hours, whatever a daylight-saving change does
to the wall clock in between. Months are calendar months in the portal's time zone, at the same wall-clock
time (NIS2's "one month after" the incident notification).
"""

import calendar
from datetime import datetime, timedelta

from django.utils import timezone


def add_hours(start: datetime, hours: int) -> datetime:
    return start + timedelta(hours=hours)


def add_calendar_months(start: datetime, months: int) -> datetime:
    local = timezone.localtime(start)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def deadline_from(start: datetime | None, *, hours: int | None, months: int | None) -> datetime | None:
    """The deadline of a clock started at `start`; None when it has no fixed deadline or has not started."""
    if start is None:
        return None
    if months:
        return add_calendar_months(start, months)
    if hours:
        return add_hours(start, hours)
    return None


def describe_remaining(deadline: datetime | None, now: datetime) -> tuple[str, int | None]:
    """('due'|'overdue'|'none', minutes) for the live clock."""
    if deadline is None:
        return "none", None
    minutes = int((deadline - now).total_seconds() // 60)
    return ("due" if minutes >= 0 else "overdue"), abs(minutes)


CUSTOMER_NOTICE = "customer-notice"
SA_ART33 = "sa-art33"
SUBJECTS_ART34 = "subjects-art34"
NIS2_EARLY_WARNING = "nis2-early-warning"
NIS2_NOTIFICATION = "nis2-notification"
NIS2_FINAL_REPORT = "nis2-final-report"
