import itertools
from datetime import date

import pytest
from django.core import mail

from controls.models import Control
from portal.notifications import registry
from portal.notifications.models import Channel, Notification

_refs = itertools.count(1)


def make_control(*, owner, due: date | None, status: str = Control.Status.IMPLEMENTED, **fields) -> Control:
    n = next(_refs)
    return Control.objects.create(
        reference=fields.pop("reference", f"NT-{n:04d}"), title=fields.pop("title", f"Test control {n}"),
        description="Backups are encrypted and restored quarterly.", scc_category="encryption",
        owner=owner, status=status, next_review_due=due, **fields,
    )


def in_app(user, **filters):
    return Notification.objects.filter(recipient=user, channel=Channel.IN_APP, **filters)


def emails_for(user, **filters):
    return Notification.objects.filter(recipient=user, channel=Channel.EMAIL, **filters)


@pytest.fixture
def temporary_rule():
    """Register rules for one test only."""
    added = []

    def add(rule):
        registry.register(rule)
        added.append(rule.name)
        return rule

    yield add
    for name in added:
        registry.unregister(name)


@pytest.fixture
def only_control_rules(monkeypatch):
    """Sweep only the control rule (and rules a test adds), whatever other apps register."""
    original = registry.rules
    monkeypatch.setattr(registry, "rules", lambda: [
        r for r in original() if r.name == "controls.review_due" or r.name.startswith("tests.")])


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox = []


@pytest.fixture
def eager_retries():
    """Let an eager task's retry run again at once, as a worker would after the countdown."""
    from portal.celery import app

    previous = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = previous
