"""Demo trends: today's real figures, and 89 earlier days of a programme that improved towards them."""

from datetime import timedelta

from django.utils import timezone

from portal.core.metrics import sources
from portal.core.models import MetricSnapshot
from portal.core.services import metrics_snapshot_take

DEMO_DAYS = 90


def _earlier(source, key: str, value: float, progress: float) -> float:
    """A figure `progress` (0..1) of the way from its demo starting point to today's value."""
    if source.kind == "stacked":
        # The status mix started with more measures planned or needing attention and fewer verified.
        factor = {"verified": 0.4, "implemented": 0.8, "planned": 1.8, "needs_attention": 1.5}.get(key, 1.0)
    else:
        factor = 1.6 if "overdue" in key or "open" in key else 0.7
    start = value * factor
    return round(start + (value - start) * progress, 1 if source.unit else 0)


def seed(stdout) -> None:
    today = timezone.localdate()
    figures = metrics_snapshot_take(day=today)
    if MetricSnapshot.objects.filter(day=today - timedelta(days=DEMO_DAYS - 1)).exists():
        stdout.write(f"core: today's key figures stored; {DEMO_DAYS} days of trends already present")
        return
    by_name = {source.name: source for source in sources()}
    rows = []
    for back in range(1, DEMO_DAYS):
        progress = 1 - back / (DEMO_DAYS - 1)
        day = today - timedelta(days=back)
        for name, values in figures.items():
            rows += [MetricSnapshot(day=day, source=name, key=key, value=_earlier(by_name[name], key, value, progress))
                     for key, value in values.items()]
    MetricSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
    stdout.write(f"core: today's key figures stored, with {DEMO_DAYS - 1} earlier demo days for the trend charts")
