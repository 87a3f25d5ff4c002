"""Open follow-up work on a control that other apps record (a lesson from an incident case becomes a task on the
control), shown on the control's page. Controls never imports those apps: each registers a provider here from its
own AppConfig.ready().

A provider takes the control and the user reading the page and returns FollowUp items, with a fixed, small number
of queries; `url` is empty when the user may not open where the task came from.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class FollowUp:
    title: str
    owner: str
    due: date | None
    origin: str  # where the task came from, e.g. the case's reference
    url: str


Provider = Callable[[object, object], list[FollowUp]]

_PROVIDERS: dict[str, Provider] = {}


def register(name: str, provider: Provider) -> Provider:
    _PROVIDERS[name] = provider
    return provider


def follow_ups_for(control, user) -> list[FollowUp]:
    items: list[FollowUp] = []
    for name in sorted(_PROVIDERS):
        items.extend(_PROVIDERS[name](control, user) or [])
    items.sort(key=lambda item: (item.due is None, item.due or date.min, item.title))
    return items
