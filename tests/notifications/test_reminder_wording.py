from datetime import date, timedelta

import pytest

from portal.notifications.sweep import reminders_sweep
from tests.factories import UserFactory
from tests.notifications.conftest import in_app, make_control

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("only_control_rules")]

DUE = date(2026, 3, 20)


def test_a_review_due_three_days_ago_reads_overdue_by_three_days_when_the_sweep_catches_up():
    owner = UserFactory()
    make_control(owner=owner, due=DUE, reference="BK-01", title="Encrypted backups")

    # The sweeps of the first and second day after the date were missed (an outage): the "+1" moment is
    # caught up on the third day, and it says how late the review really is.
    reminders_sweep(today=DUE + timedelta(days=3))

    notice = in_app(owner).get()
    assert notice.offset_days == 1
    assert notice.title == "Review of BK-01 Encrypted backups is overdue by 3 days"


def test_a_review_one_day_late_reads_overdue_by_one_day():
    owner = UserFactory()
    make_control(owner=owner, due=DUE, reference="BK-02", title="Restore test")

    reminders_sweep(today=DUE + timedelta(days=1))

    assert in_app(owner).get().title == "Review of BK-02 Restore test is overdue by 1 day"


def test_a_reminder_caught_up_before_the_date_says_how_many_days_are_left():
    owner = UserFactory()
    make_control(owner=owner, due=DUE, reference="BK-03", title="Key rotation")

    reminders_sweep(today=DUE - timedelta(days=5))  # the "-7" moment, two days late

    assert in_app(owner).get().title == "Review of BK-03 Key rotation is due in 5 days"
