"""Writes of the core backbone: the daily snapshot of the programme's key figures."""

from datetime import date

from django.db import transaction

from portal.core.metrics import sources
from portal.core.models import MetricSnapshot


@transaction.atomic
def metrics_snapshot_take(*, day: date, dry_run: bool = False) -> dict[str, dict[str, float]]:
    """Compute every registered figure for `day` and store it: one row per figure and day, so a second run on
    the same day replaces the figures it wrote instead of adding rows."""
    figures = {}
    rows = []
    for source in sources():
        values = source.compute(day)
        known = {key for key, _label in source.series}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"metric source {source.name} computed figures it does not declare: {sorted(unknown)}")
        figures[source.name] = {key: float(values.get(key, 0)) for key in known}
        rows += [MetricSnapshot(day=day, source=source.name, key=key, value=value)
                 for key, value in figures[source.name].items()]
    if not dry_run:
        MetricSnapshot.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["day", "source", "key"], update_fields=["value", "taken_at"],
        )
    return figures
