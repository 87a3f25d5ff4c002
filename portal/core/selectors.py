"""Reads of the core backbone: the trends a user may see (one query, whatever the number of days or figures)."""

from datetime import timedelta

from django.utils import timezone

from portal.core.metrics import TREND_DAYS, sources_for
from portal.core.models import MetricSnapshot


def trends_for(user, *, days: int = TREND_DAYS, names: list[str] | None = None) -> list[dict]:
    """Each visible source (of `names`, if given) with its days and, per figure, the values (None where no snapshot
    was taken)."""
    visible = [s for s in sources_for(user) if names is None or s.name in names]
    if not visible:
        return []
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    values: dict[tuple[str, str], dict] = {}
    seen_days = set()
    for source, key, day, value in (
        MetricSnapshot.objects.filter(source__in=[s.name for s in visible], day__gte=start, day__lte=today)
        .order_by().values_list("source", "key", "day", "value")
    ):
        values.setdefault((source, key), {})[day] = value
        seen_days.add((source, day))
    trends = []
    for source in visible:
        source_days = sorted(day for name, day in seen_days if name == source.name)
        trends.append({
            "source": source,
            "days": source_days,
            "series": [
                {"key": key, "label": label, "values": [values.get((source.name, key), {}).get(d) for d in source_days]}
                for key, label in source.series
            ],
        })
    return trends
