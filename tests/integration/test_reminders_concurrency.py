"""Two sweeps racing on PostgreSQL, in two processes, create each notice once, queue it once and send it once.

The sweeps queue their emails on the stage's Redis; the session's worker delivers them. The test waits for that
delivery before it ends: a worker still writing while the test database is flushed makes the flush fail.
"""

import os
import re
import subprocess
import sys
from datetime import date

import pytest

from portal.notifications.models import Channel, Notification
from tests.factories import UserFactory
from tests.integration.conftest import ROOT, _test_database_url
from tests.integration.scratch import wait_for
from tests.notifications.conftest import make_control

DUE = date(2026, 3, 20)


def _sweep_process() -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=_test_database_url(), DJANGO_SETTINGS_MODULE="tests.settings",
               REMINDER_BATCH_SIZE="25", CELERY_TASK_ALWAYS_EAGER="false")
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_reminders", "--date", "2026-03-13", "--rule", "controls.review_due"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweep_processes_send_each_reminder_once(celery_worker):
    owners = [UserFactory() for _ in range(200)]
    for owner in owners:
        make_control(owner=owner, due=DUE)

    procs = [_sweep_process(), _sweep_process()]
    outputs = [p.communicate(timeout=180)[0] for p in procs]

    assert all(p.returncode == 0 for p in procs), outputs
    new = [int(re.search(r"(\d+) new", out).group(1)) for out in outputs]
    queued = [int(re.search(r"(\d+) email\(s\) queued", out).group(1)) for out in outputs]
    assert sum(new) == 200 and sum(queued) == 200, outputs
    assert Notification.objects.filter(channel=Channel.IN_APP, offset_days=-7).count() == 200
    emails = Notification.objects.filter(channel=Channel.EMAIL, offset_days=-7)
    assert emails.count() == 200

    def all_sent() -> bool:
        return emails.filter(status=Notification.Status.SENT).count() == 200

    assert wait_for(all_sent), "the worker did not send the 200 reminders; see test-artifacts/integration/worker.log"
    assert set(emails.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_the_unique_key_refuses_a_second_row_for_the_same_notice():
    from django.db import IntegrityError

    from portal.notifications.services import notice_send

    person = UserFactory()
    notice_send(recipient=person, reason="tests.event", title="Once", moment="m")
    row = Notification.objects.filter(recipient=person).first()
    row.pk = None
    with pytest.raises(IntegrityError):
        row.save()
