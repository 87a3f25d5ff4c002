"""Celery tasks of the core backbone."""

from celery import shared_task
from django.utils import timezone

from portal.core.services import metrics_snapshot_take


@shared_task(name="core.metrics_snapshot", acks_late=True)
def metrics_snapshot_task() -> int:
    """Today's key figures; safe to run more than once a day (one row per figure and day)."""
    figures = metrics_snapshot_take(day=timezone.localdate())
    return sum(len(values) for values in figures.values())
