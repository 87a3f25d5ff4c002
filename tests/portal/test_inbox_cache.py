"""The home page keeps each user's task inbox a minute (portal.core.inbox.inbox_cached), and drops every kept
inbox as soon as a row a task source reads is saved or deleted, or an m2m relation of one changes."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from controls.models import Control
from portal.accounts.roles import Role
from portal.core.inbox import GENERATION_KEY, INBOX_CACHE_SECONDS, TaskSource, register
from tests.conftest import sign_in
from tests.controls.factories import ControlFactory, CustomerFactory
from tests.factories import UserFactory
from tests.incidents.factories import open_case, responder

pytestmark = pytest.mark.django_db


def _titles(client) -> list[str]:
    return [task["title"] for task in client.get(reverse("portal:dashboard")).context["inbox"]]


def _control_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("portal:dashboard"))
    return sum('FROM "controls_control"' in q["sql"] for q in queries.captured_queries)


def test_a_second_load_reads_the_kept_inbox_without_asking_its_sources(signed_in):
    client, officer = signed_in(Role.DPO)  # the DPO's posture is kept a minute too: no other register query
    ControlFactory(owner=officer, reference="TOM-LATE-01", next_review_due=timezone.localdate() - timedelta(days=3))

    assert _control_queries(client) >= 1
    assert _control_queries(client) == 0
    assert _titles(client)[0].startswith("Review TOM-LATE-01")


def test_a_task_saved_or_deleted_shows_on_the_next_load(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    today = timezone.localdate()
    assert _titles(client) == []

    control = ControlFactory(owner=officer, reference="TOM-NEW-01", next_review_due=today + timedelta(days=2))
    assert [title.split(":")[0] for title in _titles(client)] == ["Review TOM-NEW-01"]

    control.next_review_due = today + timedelta(days=200)
    control.save(update_fields=["next_review_due"])
    assert _titles(client) == []

    control.next_review_due = today
    control.save(update_fields=["next_review_due"])
    control.delete()
    assert _titles(client) == []


def test_being_assigned_to_a_case_shows_its_deadlines_at_once(signed_in):
    client, person = signed_in(Role.INCIDENT_RESPONDER)
    case = open_case(responder(), customers=[CustomerFactory(name="Fast AG")])
    assert not any("Misdirected export" in title for title in _titles(client))

    case.assignees.add(person)  # an m2m change, no row of a source's own model saved

    assert any("Misdirected export" in title for title in _titles(client))


def test_an_inbox_built_before_the_change_commits_is_dropped_when_it_commits(django_capture_on_commit_callbacks):
    """Another request, reading before the commit, builds the old inbox and keeps it under the generation the save
    brought; the commit brings a new one."""
    with django_capture_on_commit_callbacks() as committed:
        ControlFactory(reference="TOM-TX-01")
        built_meanwhile = cache.get(GENERATION_KEY)
    assert committed
    for callback in committed:
        callback()
    assert cache.get(GENERATION_KEY) != built_meanwhile


def test_a_change_that_sends_no_signal_shows_within_the_minute(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    ControlFactory(owner=officer, reference="TOM-BULK-01", next_review_due=timezone.localdate() + timedelta(days=200))
    assert _titles(client) == []

    Control.objects.filter(reference="TOM-BULK-01").update(next_review_due=timezone.localdate())  # no signal
    assert _titles(client) == []
    with time_machine.travel(timezone.now() + timedelta(seconds=INBOX_CACHE_SECONDS + 1)):
        assert [title.split(":")[0] for title in _titles(client)] == ["Review TOM-BULK-01"]


def test_each_user_gets_their_own_inbox(signed_in):
    client, officer = signed_in(Role.SECURITY_OFFICER)
    ControlFactory(owner=officer, reference="TOM-MINE-01", next_review_due=timezone.localdate())
    assert len(_titles(client)) == 1

    other = UserFactory(roles=[Role.SECURITY_OFFICER])
    assert _titles(sign_in(Client(), other)) == []


def test_a_task_source_must_name_the_models_it_reads():
    with pytest.raises(ValueError, match="must name the models"):
        register(TaskSource(name="tests.nothing", items=lambda user, today, limit: []))
