from datetime import timedelta

import pytest
from celery.signals import beat_init
from django.utils import timezone

from portal.celery import app
from tests.factories import UserFactory
from tests.notifications.conftest import in_app, make_control

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("only_control_rules")]


def test_starting_beat_runs_the_reminder_sweep_at_once():
    owner = UserFactory()
    make_control(owner=owner, due=timezone.localdate() + timedelta(days=7))
    assert not in_app(owner).exists()

    beat_init.send(sender=app)

    assert in_app(owner).count() == 1


def test_starting_beat_twice_sends_each_reminder_once():
    owner = UserFactory()
    make_control(owner=owner, due=timezone.localdate() - timedelta(days=1))

    beat_init.send(sender=app)
    beat_init.send(sender=app)

    assert in_app(owner).count() == 1
