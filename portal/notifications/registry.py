"""The reminder-rule registry that domain apps fill from their `reminders.py` modules.

A rule says which open objects to look at, which date on them matters, at which offsets
(in days, negative = before the date) their people are reminded, and who is told when
an item stays open past its date. A backbone never imports a domain app: the domain
registers here, and NotificationsConfig.ready() autodiscovers the modules.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

# A recipient is a user, a role name (every active holder of that role), or None (skipped).
Recipients = Iterable[Any]


@dataclass(frozen=True)
class ReminderRule:
    """When and whom to remind about one kind of dated obligation."""

    name: str  # "<app>.<what>", also the notice's `reason`
    queryset: Callable[[], QuerySet]  # the still-open objects; closed ones are never reminded about
    date_field: str
    offsets: tuple[int, ...]
    recipients: Callable[[Model], Recipients]
    title: Callable[[Model, int], str]
    escalate_to: Callable[[Model], Recipients] | None = None
    escalate_from: int = 1  # offsets at or past this many days also reach escalate_to(obj)
    critical: bool = False  # critical notices ignore preferences and the digest
    select_related: tuple[str, ...] = ()
    link: Callable[[Model], str] | None = None
    still_open: Callable[[Model], bool] | None = None  # a last check in Python, after the queryset filter
    # Calendar: how to find the objects a user is reminded about, as a filter on queryset().
    calendar_filter: Callable[[Any], Q] | None = None
    calendar_title: Callable[[Model], str] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.offsets:
            raise ValueError(f"reminder rule {self.name} needs at least one offset")
        if tuple(sorted(set(self.offsets))) != tuple(self.offsets):
            raise ValueError(f"reminder rule {self.name}: offsets must be unique and ascending")


_RULES: dict[str, ReminderRule] = {}


def register(rule: ReminderRule) -> ReminderRule:
    if rule.name in _RULES and _RULES[rule.name] is not rule:
        raise ValueError(f"a reminder rule named {rule.name!r} is already registered")
    _RULES[rule.name] = rule
    return rule


def unregister(name: str) -> None:
    _RULES.pop(name, None)


def rules() -> list[ReminderRule]:
    return [_RULES[name] for name in sorted(_RULES)]


def get_rule(name: str) -> ReminderRule:
    return _RULES[name]
