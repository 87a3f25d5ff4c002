"""Retention on PostgreSQL: the append-only trigger lets only a sealed prefix go, and a run still verifies."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction

from portal.audit.models import AuditEvent
from portal.audit.sealing import audit_seal_through
from portal.audit.verification import verify_chain
from portal.retention import engine, registry
from portal.retention.models import RetentionPolicy, RetentionRun
from tests.audit.chain import build_chain, raw_sql
from tests.retention.builders import at

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_trigger_lets_the_sealing_transaction_remove_only_the_events_it_sealed():
    events = build_chain(6)
    removed = audit_seal_through(through_seq=events[2].seq)
    assert removed == 3
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))[:3] == [4, 5, 6]
    # Outside that transaction the setting is gone: the next event is refused again.
    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("DELETE FROM audit_auditevent WHERE seq = 4")
    assert verify_chain().intact


def test_a_delete_beyond_the_announced_seq_is_refused_within_the_sealing_transaction():
    build_chain(4)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('annex.audit_sealed_through', '2', true)")
        AuditEvent.objects.filter(seq__lte=3).delete()
    assert AuditEvent.objects.count() == 4


def test_a_run_seals_old_events_in_batches_and_the_rest_of_the_trail_verifies():
    RetentionPolicy.objects.create(key="audit-small-batches", data_category="Audit trail", system="Annex database",
                                   purpose="Proof", legal_basis="Art. 5(2) GDPR", period_months=36,
                                   counts_from="creation", action="delete")
    with at(datetime(2026, 1, 15, tzinfo=UTC)):
        old = build_chain(7)
    with at(datetime(2028, 6, 1, tzinfo=UTC)):
        kept = build_chain(2)
    # The audit target with batches of three: three seals, of 3, 3 and 1 events.
    small = registry.register(replace(registry.get_target("audit.events"), name="tests.audit_small",
                                      policy="audit-small-batches", batch_size=3))
    try:
        with at(datetime(2029, 2, 1, tzinfo=UTC)):
            run = engine.retention_run_start(trigger=RetentionRun.Trigger.COMMAND)
            run = engine.retention_run_execute(run_id=run.pk)
    finally:
        registry.unregister(small.name)
    assert run.counts["tests.audit_small"]["done"] == 7 and run.counts["tests.audit_small"]["batches"] == 3
    assert not AuditEvent.objects.filter(seq__lte=old[-1].seq).exists()
    assert AuditEvent.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    assert AuditEvent.objects.filter(action="audit.sealed").count() == 3
    report = verify_chain(chunk_size=2)
    assert report.intact, report.problem
