"""Key figures contributed by the apps, snapshotted daily and drawn as trends (a backbone registry).

An app lists its figures in `<app>/metrics.py` (autodiscovered at start-up). A source is one chart: a few
figures of the same unit computed together with a fixed number of queries (`compute(day)` returns
{key: number}); the daily snapshot stores each figure once per day, and the dashboard and the programme
report draw the last 90 days for whoever may see the programme's posture and holds the source's permission.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from portal.core.dashboard import POSTURE_PERMISSION

TREND_DAYS = 90


@dataclass(frozen=True)
class MetricSource:
    name: str  # "<app>.<what>", also the snapshot rows' `source`
    title: object  # a translatable chart title
    series: tuple[tuple[str, object], ...]  # (key, translatable label) in drawing order
    compute: Callable[[date], dict[str, float]]
    permission: str | None = None  # "app_label.codename"; None = every verified user
    kind: str = "line"  # "line" or "stacked" (parts of a whole, e.g. a status mix)
    unit: str = ""  # "%" for rates
    order: int = 100


_SOURCES: dict[str, MetricSource] = {}


def register(source: MetricSource) -> MetricSource:
    keys = [key for key, _label in source.series]
    if len(set(keys)) != len(keys) or not keys:
        raise ValueError(f"metric source {source.name}: series keys must be present and unique")
    _SOURCES[source.name] = source
    return source


def sources() -> list[MetricSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.name))


def sources_for(user, perms: set[str] | None = None) -> list[MetricSource]:
    """The trends `user` may see: none without the posture permission (portal.core.dashboard)."""
    if perms is None:
        perms = user.get_all_permissions() if user.is_active else set()
    if POSTURE_PERMISSION not in perms:
        return []
    return [s for s in sources() if s.permission is None or s.permission in perms]
