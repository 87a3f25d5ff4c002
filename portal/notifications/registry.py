"""The reminder-rule registry that domain apps fill from their `reminders.py` modules.

A rule says which open objects to look at, which date on them matters, at which offsets
(in days, negative = before the date) their people are reminded, and who is told when
an item stays open past its date. A backbone never imports a domain app: the domain
registers here, and NotificationsConfig.ready() autodiscovers the modules.

A sweep looks at hundreds of thousands of objects, so the callbacks get each one as a row, not a
model instance: a named tuple of `pk`, the date field and the rule's `fields`, named as
`QuerySet.values()` names them (`fields=("owner__manager_id",)` gives `row.owner__manager_id`).
The people to tell are named by user id, so a rule never loads a user.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

# A recipient is a user id (told while the account is active), a role name (every active holder of
# that role), or None (skipped).
Recipients = Iterable[int | str | None]
# One object as the callbacks see it: a named tuple of `pk`, the rule's date field, then its `fields`.
Row = Any


@dataclass(frozen=True)
class ReminderRule:
    """When and whom to remind about one kind of dated obligation."""

    name: str  # "<app>.<what>", also the notice's `reason`
    queryset: Callable[[], QuerySet]  # the still-open objects; closed ones are never reminded about
    date_field: str
    offsets: tuple[int, ...]
    recipients: Callable[[Row], Recipients]
    # title(row, days): days from the date to today (negative before it). On the day of a moment that is the
    # moment's offset; a sweep catching up after an outage passes the real distance.
    title: Callable[[Row, int], str]
    fields: tuple[str, ...] = ()  # what the callbacks read of an object, besides pk and the date
    escalate_to: Callable[[Row], Recipients] | None = None
    escalate_from: int = 1  # offsets at or past this many days also reach escalate_to(row)
    critical: bool = False  # critical notices ignore preferences and the digest
    link: Callable[[Row], str] | None = None
    still_open: Callable[[Row], bool] | None = None  # a last check in Python, after the queryset filter
    # Calendar: how to find the objects a user is reminded about, as a filter on queryset().
    # A rule whose moments are hours apart (deadlines counted in hours) names them itself: given a row and the
    # sweep's time, the latest step due now (an int, e.g. a percentage of the time allowed), or None. Such a
    # rule's queryset holds only what can be due; the sweep then runs it every time, whatever the date.
    due_step: Callable[[Row, datetime], int | None] | None = None
    calendar_filter: Callable[[Any], Q] | None = None
    calendar_title: Callable[[Row], str] | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if not self.offsets:
            raise ValueError(f"reminder rule {self.name} needs at least one offset")
        if tuple(sorted(set(self.offsets))) != tuple(self.offsets):
            raise ValueError(f"reminder rule {self.name}: offsets must be unique and ascending")
        if len({"pk", self.date_field, *self.fields}) != 2 + len(self.fields):
            raise ValueError(f"reminder rule {self.name}: fields must be unique and leave out pk and the date")

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The objects of `queryset` (a filtered queryset()) as the rows the callbacks take."""
        return queryset.values_list("pk", self.date_field, *self.fields, named=True)


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
