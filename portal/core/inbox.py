"""The task inbox: what is assigned to the signed-in user and due, across all apps, in one list.

An app lists its task sources in `<app>/inbox.py` (autodiscovered at start-up). A source returns the user's
open items with a fixed number of queries (at most `limit` of them); the inbox merges them by due date, the
overdue first. A backbone never names a domain: each domain says what its tasks are.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

INBOX_LIMIT = 12


@dataclass(frozen=True)
class InboxItem:
    title: str
    url: str
    due: date | None
    kind: object  # a translatable label of the source, e.g. "Control review"


@dataclass(frozen=True)
class TaskSource:
    name: str
    items: Callable  # (user, today, limit) -> list[InboxItem]
    permission: str | None = None


_SOURCES: dict[str, TaskSource] = {}


def register(source: TaskSource) -> TaskSource:
    _SOURCES[source.name] = source
    return source


def inbox_for(user, today: date, *, limit: int = INBOX_LIMIT, perms: set[str] | None = None) -> list[dict]:
    if perms is None:
        perms = user.get_all_permissions() if user.is_active else set()
    items: list[InboxItem] = []
    for source in sorted(_SOURCES.values(), key=lambda s: s.name):
        if source.permission is None or source.permission in perms:
            items += source.items(user, today, limit)
    items.sort(key=lambda item: (item.due is None, item.due or today, item.title))
    return [
        {"title": item.title, "url": item.url, "due": item.due, "kind": item.kind,
         "days": (item.due - today).days if item.due else None,
         "overdue_by": max(0, (today - item.due).days) if item.due else 0}
        for item in items[:limit]
    ]
