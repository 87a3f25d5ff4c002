"""The task inbox: what is assigned to the signed-in user and due, across all apps, in one list.

An app lists its task sources in `<app>/inbox.py` (autodiscovered at start-up). A source returns the user's
open items with a fixed number of queries (at most `limit` of them); the inbox merges them by due date, the
overdue first. A backbone never names a domain: each domain says what its tasks are.

The home page shows the inbox through `inbox_cached`: a user's list is kept for a minute, and is dropped as soon
as a row of a model a source reads (its `models`) is saved or deleted, or an m2m relation of one changes, so a
task done or assigned shows on the next page load. A change that sends no signal (a bulk `update()`, a
`bulk_create`) shows within the minute. Building the list costs a query and about 2 ms of CPU per source (nine
for the DPO); reading it back, one cache read (docs/performance.md).
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

INBOX_LIMIT = 12
INBOX_CACHE_SECONDS = 60
GENERATION_KEY = "core:inbox:generation"


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
    models: tuple[str, ...] = ()  # the models ("app_label.Model") whose rows the items are read from


_SOURCES: dict[str, TaskSource] = {}
_WATCHED: set[str] = set()


def register(source: TaskSource) -> TaskSource:
    if not source.models:
        raise ValueError(f"The task source {source.name} must name the models it reads, to be kept fresh.")
    _SOURCES[source.name] = source
    _WATCHED.update(source.models)
    return source


def _visible(perms: set[str]) -> list[TaskSource]:
    return [source for source in sorted(_SOURCES.values(), key=lambda s: s.name)
            if source.permission is None or source.permission in perms]


def inbox_for(user, today: date, *, limit: int = INBOX_LIMIT, perms: set[str] | None = None) -> list[dict]:
    if perms is None:
        perms = user.get_all_permissions() if user.is_active else set()
    items: list[InboxItem] = []
    for source in _visible(perms):
        items += source.items(user, today, limit)
    items.sort(key=lambda item: (item.due is None, item.due or today, item.title))
    return [
        {"title": item.title, "url": item.url, "due": item.due, "kind": item.kind,
         "days": (item.due - today).days if item.due else None,
         "overdue_by": max(0, (today - item.due).days) if item.due else 0}
        for item in items[:limit]
    ]


def inbox_cached(user, today: date, *, perms: set[str]) -> list[dict]:
    """`inbox_for`, kept a minute per user, day, language and the sources they see, until a watched row changes."""
    generation = cache.get(GENERATION_KEY, 0)
    sources = hashlib.sha256(",".join(source.name for source in _visible(perms)).encode()).hexdigest()[:16]
    key = f"core:inbox:{generation}:{user.pk}:{translation.get_language()}:{today.isoformat()}:{sources}"
    inbox = cache.get(key)
    if inbox is None:
        inbox = inbox_for(user, today, perms=perms)
        cache.set(key, inbox, INBOX_CACHE_SECONDS)
    return inbox


def _new_generation() -> None:
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def _forget_inboxes(sender, instance=None, model=None, **kwargs) -> None:
    """Every user's kept inbox is dropped at once: a new generation makes their keys unreachable (they expire).
    An m2m change counts from either side (`instance` on one, `model` on the other).

    Dropped now, and again when the transaction commits: a page built in between, by another request that could not
    yet see the change, must not be kept under the generation that came with it."""
    labels = {type(instance)._meta.label if instance is not None else None, model._meta.label if model else None}
    if labels & _WATCHED:
        _new_generation()
        transaction.on_commit(_new_generation)


post_save.connect(_forget_inboxes, dispatch_uid="core.inbox.saved")
post_delete.connect(_forget_inboxes, dispatch_uid="core.inbox.deleted")
m2m_changed.connect(_forget_inboxes, dispatch_uid="core.inbox.related")
