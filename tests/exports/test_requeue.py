"""An export whose message never reached a worker (the broker was down when it was requested) is sent again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.roles import Role
from portal.exports.models import ExportJob
from portal.exports.services import exports_requeue
from tests.controls.factories import ControlFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _job(dpo, **fields) -> ExportJob:
    return ExportJob.objects.create(kind="controls.tom_annex", parameters={"subject": ""}, requested_by=dpo,
                                    title="TOM annex: All customers", **fields)


def test_a_job_still_queued_five_minutes_after_its_request_is_sent_again_and_rendered():
    dpo = UserFactory(roles=[Role.DPO])
    ControlFactory()
    old = timezone.now() - timedelta(minutes=6)
    lost = _job(dpo, created_at=old)
    fresh = _job(dpo)
    running = _job(dpo, created_at=old, status=ExportJob.Status.RUNNING, attempts=1)  # the broker redelivers it

    assert exports_requeue() == 1

    lost.refresh_from_db()
    assert lost.status == ExportJob.Status.DONE and lost.attempts == 1
    assert ExportJob.objects.get(pk=fresh.pk).status == ExportJob.Status.QUEUED
    assert ExportJob.objects.get(pk=running.pk).attempts == 1
    assert exports_requeue() == 0
