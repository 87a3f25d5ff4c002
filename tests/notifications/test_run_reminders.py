from datetime import date
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from portal.notifications.models import Notification
from tests.factories import UserFactory
from tests.notifications.conftest import make_control

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]


def run(*args) -> str:
    out = StringIO()
    call_command("run_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_prints_what_it_would_send_and_changes_nothing():
    make_control(owner=UserFactory(email="owner@annex.test"), due=date(2026, 3, 20), reference="BK-01")

    output = run("--dry-run", "--date", "2026-03-13")

    assert "would send: controls.review_due controls.control#" in output
    assert "-7d to owner@annex.test: Review of BK-01" in output
    assert "1 reminder(s) due, nothing changed" in output
    assert not Notification.objects.exists()


@time_machine.travel(date(2026, 3, 19), tick=False)
def test_a_run_sends_todays_reminders_once():
    make_control(owner=UserFactory(email="owner@annex.test"), due=date(2026, 3, 20))

    first = run()
    second = run()

    assert "sent: controls.review_due" in first and "1 new, 1 email(s) queued" in first
    assert "0 new" in second and "sent:" not in second
    assert Notification.objects.filter(offset_days=-1).count() == 2


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "19/03/2026")


def test_an_unknown_rule_is_refused():
    with pytest.raises(CommandError, match="Unknown rule"):
        run("--rule", "nope.none")
