"""The audit trail on PostgreSQL: the append-only trigger, concurrent appends, the streamed verify."""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection

from portal.audit.models import AuditAction, AuditChainHead, AuditEvent
from portal.audit.services import audit_record
from portal.audit.verification import ChainFault, verify_chain
from tests.audit.chain import build_chain, raw_sql, trigger_disabled
from tests.factories import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_raw_sql_update_is_rejected():
    build_chain(2)

    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("UPDATE audit_auditevent SET target_label = 'forged' WHERE seq = 1")

    assert AuditEvent.objects.get(seq=1).target_label != "forged"


def test_a_raw_sql_delete_is_rejected():
    build_chain(2)

    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("DELETE FROM audit_auditevent WHERE seq = 2")

    assert AuditEvent.objects.count() == 2


def test_a_truncate_is_rejected():
    build_chain(3)

    with pytest.raises(DatabaseError, match="TRUNCATE refused"):
        raw_sql("TRUNCATE audit_auditevent")

    assert AuditEvent.objects.count() == 3


def test_a_cut_tail_made_with_the_triggers_disabled_shows_against_the_checkpoint():
    from portal.audit.checkpoints import checkpoint_write

    build_chain(5)
    checkpoint_write()
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE seq >= 4")
    raw_sql("UPDATE audit_auditchainhead SET last_seq = 3, last_hash = (SELECT hash FROM audit_auditevent "
            "WHERE seq = 3)")

    report = verify_chain()

    assert report.problem.fault == ChainFault.MISSING and "the tail #4 to #5 was cut" in report.problem.detail


def test_orm_updates_and_deletes_are_rejected_too():
    build_chain(1)

    with pytest.raises(DatabaseError, match="append-only"):
        AuditEvent.objects.update(action="x")
    with pytest.raises(DatabaseError, match="append-only"):
        AuditEvent.objects.all().delete()


def test_the_trigger_migration_is_reversible():
    build_chain(1)
    try:
        call_command("migrate", "audit", "0002_actor_protected", verbosity=0)
        raw_sql("UPDATE audit_auditevent SET target_label = 'allowed without the trigger' WHERE seq = 1")
    finally:
        call_command("migrate", "audit", verbosity=0)

    with pytest.raises(DatabaseError, match="append-only"):
        raw_sql("UPDATE audit_auditevent SET target_label = 'refused again' WHERE seq = 1")


def test_a_clean_chain_with_addresses_unicode_and_nested_changes_verifies_through_a_server_side_cursor():
    build_chain(40, actor=UserFactory())

    report = verify_chain(chunk_size=7)

    assert report.intact and report.checked == 40


def test_an_edit_made_with_the_trigger_disabled_is_still_caught():
    build_chain(5)
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET changes = '{}'::jsonb WHERE seq = 3")

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 3


def test_a_delete_made_with_the_trigger_disabled_is_still_caught():
    build_chain(5)
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE seq = 2")

    report = verify_chain()

    assert report.problem.fault == ChainFault.MISSING and report.problem.seq == 2


def test_concurrent_writers_produce_one_unbroken_chain():
    writers, per_writer = 6, 30
    start = threading.Barrier(writers)
    errors = []

    def append_events(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                audit_record(action=AuditAction.USER_UPDATED, target_type="test.writer", target_id=n,
                             changes={"i": (i, i + 1)})
        except Exception as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_events, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    total = writers * per_writer
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, total + 1))
    assert AuditChainHead.objects.get(pk=1).last_seq == total
    report = verify_chain()
    assert report.intact and report.checked == total


@pytest.mark.parametrize("moment", ["2026-03-29T00:59:59+00:00", "2026-10-25T01:00:00.000001+00:00",
                                    "2026-12-31T23:00:00+00:00"])
def test_the_database_formatted_timestamp_hashes_like_the_python_one(moment):
    """The verifier lets PostgreSQL format created_at; on whole seconds and around DST it must still agree."""
    import time_machine

    with time_machine.travel(moment, tick=False):
        audit_record(action=AuditAction.LOGIN, target_label="at a tricky moment")
    audit_record(action=AuditAction.LOGOUT, target_label="now")

    report = verify_chain()
    assert report.intact, report.problem
    assert report.checked == 2
