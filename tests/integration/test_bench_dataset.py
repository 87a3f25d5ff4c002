"""The benchmark's dataset generator still fits the schema and the audit chain: the tiny scale on PostgreSQL.

`make bench` is not part of `make test`; without this, a new NOT NULL column or a change to the chain breaks
the benchmark unnoticed until someone runs it.
"""

import pytest

from bench.dataset import SCALES, generate
from controls.models import Control
from incidents.models import Incident
from portal.accounts.models import User
from portal.audit.verification import verify_chain

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_tiny_benchmark_dataset_is_generated_and_its_audit_trail_verifies():
    messages = []
    generate("tiny", log=messages.append)

    tiny = SCALES["tiny"]
    assert User.objects.filter(email__endswith="@bench.annex.test").count() >= tiny["users"]
    assert Control.objects.count() >= tiny["controls"]
    assert Incident.objects.count() == tiny["incidents"]
    # The annex a bench customer gets states its implemented measures, each with evidence in date.
    from controls.exports_annex import tom_annex_snapshot
    from controls.models import Customer

    annex = tom_annex_snapshot(Customer.objects.filter(slug__startswith="bench-customer-").first().slug)
    assert annex["measure_count"] > 0 and annex["planned"], annex["measure_count"]
    # The oldest event is as old as the generated trail, so the retention scenario can seal its oldest part
    # (retention seals only an unbroken run of the oldest events).
    from datetime import timedelta

    from django.utils import timezone

    from portal.audit.models import AuditEvent

    assert AuditEvent.objects.order_by("seq").first().created_at < timezone.now() - timedelta(days=30)
    report = verify_chain()
    assert report.intact and report.checked >= tiny["audit_events"], report
    assert not [m for m in messages if "skipped" in m]
