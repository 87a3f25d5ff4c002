import pytest
from django.core.management import CommandError, call_command

from portal.audit.models import AuditChainHead, AuditEvent, chain_hash
from portal.audit.verification import ChainFault, verify_chain
from tests.audit.chain import build_chain, raw_sql, swap_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run_verify(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("verify_audit_trail", *args, stdout=out)
    return out.getvalue()


def failure_of(*args) -> CommandError:
    with pytest.raises(CommandError) as excinfo:
        run_verify(*args)
    assert excinfo.value.returncode == 1
    return excinfo.value


def test_a_clean_chain_verifies_and_the_count_is_printed():
    build_chain(12, actor=UserFactory())

    output = run_verify()

    assert "Audit trail intact: 12 events verified (#1 to #12)" in output


def test_an_empty_trail_verifies():
    assert "Audit trail intact: 0 events verified" in run_verify()


def test_a_small_chunk_size_streams_the_same_chain():
    build_chain(7)

    report = verify_chain(chunk_size=2)

    assert report.intact and report.checked == 7 and report.last_seq == 7


def test_a_row_edited_with_raw_sql_is_named_as_altered():
    build_chain(6)
    victim = AuditEvent.objects.get(seq=4)
    raw_sql("UPDATE audit_auditevent SET target_label = %s WHERE seq = 4", ["someone else"])

    error = failure_of()

    assert f"event #4 (id {victim.pk}) altered" in str(error)
    assert "3 events before it verified" in str(error)


def test_an_edited_timestamp_is_detected():
    build_chain(3)
    raw_sql("UPDATE audit_auditevent SET created_at = '2001-01-01 00:00:00' WHERE seq = 2")

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 2


def test_an_edit_whose_hash_was_recomputed_without_the_key_is_caught_at_the_event_itself():
    build_chain(5)
    forged = AuditEvent.objects.get(seq=2)
    forged.target_label = "someone else"
    raw_sql("UPDATE audit_auditevent SET target_label = %s, hash = %s WHERE seq = 2",
            [forged.target_label, chain_hash(forged.prev_hash, forged.canonical())])

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED
    assert report.problem.seq == 2
    assert "keyed hash" in report.problem.detail


def test_an_edit_of_an_event_breaks_the_next_link():
    build_chain(5)
    raw_sql("UPDATE audit_auditevent SET hash = %s WHERE seq = 2", ["b" * 64])

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED
    assert report.problem.seq == 2


def test_a_deleted_row_is_named_as_missing():
    build_chain(6)
    raw_sql("DELETE FROM audit_auditevent WHERE seq = 3")

    error = failure_of()

    assert "event #3 missing or removed" in str(error)
    assert "next present: #4" in str(error)


def test_rows_removed_from_the_end_are_named_as_missing():
    build_chain(6)
    raw_sql("DELETE FROM audit_auditevent WHERE seq >= 5")

    report = verify_chain()

    assert report.problem.fault == ChainFault.MISSING
    assert report.problem.seq == 5
    assert "#5 to #6 removed" in report.problem.detail


def test_two_rows_with_swapped_contents_are_named_as_out_of_order():
    build_chain(6)
    swap_rows(3, 5)

    error = failure_of()

    assert "event #3" in str(error) and "out of order" in str(error)


def test_two_whole_rows_swapped_including_their_numbers_are_out_of_order():
    build_chain(6)
    swap_rows(3, 5, include_seq=True)

    report = verify_chain()

    assert report.problem.fault == ChainFault.OUT_OF_ORDER
    assert report.problem.seq == 4  # the first event whose storage order contradicts the chain


def test_a_forged_chain_head_is_reported():
    build_chain(3)
    AuditChainHead.objects.filter(pk=1).update(last_hash="a" * 64)

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 3


def test_from_seq_verifies_only_the_tail():
    build_chain(8)
    raw_sql("UPDATE audit_auditevent SET action = 'x' WHERE seq = 2")

    output = run_verify("--from-seq", "5")

    assert "4 events verified (#5 to #8)" in output
    assert "altered" in str(failure_of("--from-seq", "1"))


def test_from_seq_below_one_is_refused_with_a_clear_message():
    with pytest.raises(CommandError, match="--from-seq must be 1 or more"):
        run_verify("--from-seq", "0")


def test_events_appended_after_the_head_was_read_are_left_for_the_next_run():
    build_chain(3)
    head = AuditChainHead.objects.get(pk=1)
    build_chain(2)
    AuditChainHead.objects.filter(pk=1).update(last_seq=head.last_seq, last_hash=head.last_hash)

    report = verify_chain()

    assert report.intact and report.checked == 3
