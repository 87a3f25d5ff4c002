"""The audit chain walked in stretches by several processes on PostgreSQL: the same report as one walk,
whether the problem lies inside a later stretch or at the seam between two."""

import pytest

from portal.audit.checkpoints import checkpoint_write
from portal.audit.keys import keyed_link, link_key
from portal.audit.models import HASHED_FIELDS, AuditEvent, canonical_bytes
from portal.audit.verification import ChainFault, _segments, verify_chain
from tests.audit.chain import build_chain, raw_sql, swap_rows, trigger_disabled

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def walked_in_three_and_in_one():
    """The reports of three stretches (#1-#10, #11-#20, #21-#30) and of one walk."""
    assert _segments(1, 30, 3) == [(1, 10), (11, 20), (21, 30)]  # outside a transaction, so really split
    return verify_chain(workers=3), verify_chain(workers=1)


def test_an_intact_chain_walked_in_stretches_gives_the_report_of_one_walk():
    build_chain(29)
    checkpoint = checkpoint_write()  # records an event of its own: #30

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial
    assert parallel.intact and parallel.checked == 30 and parallel.last_seq == 30
    assert parallel.checkpoint is not None and parallel.checkpoint.seq == checkpoint.seq


def test_an_edit_inside_the_second_stretch_is_named_as_one_walk_names_it():
    build_chain(30)
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET target_label = 'quietly changed' WHERE seq = 15")

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial
    assert parallel.problem.fault == ChainFault.ALTERED and parallel.problem.seq == 15
    assert parallel.checked == 14 and parallel.last_seq == 14


def test_swapped_events_in_the_last_stretch_are_named_as_one_walk_names_them():
    build_chain(30)
    with trigger_disabled():
        swap_rows(24, 25)

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial and parallel.problem.seq == 24


def test_an_event_missing_at_the_seam_is_found_though_each_stretch_holds_together():
    build_chain(30)
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE seq = 10")

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial
    assert parallel.problem.fault == ChainFault.MISSING and parallel.problem.seq == 10
    assert parallel.checked == 9


def test_a_link_broken_at_the_seam_is_found_though_each_stretch_holds_together():
    """Event #10 edited and re-linked with the key: its stretch proves itself, but #11 still links to the
    old #10, which only the seam shows."""
    build_chain(30)
    with trigger_disabled():
        raw_sql("UPDATE audit_auditevent SET target_label = 'rewritten with the key' WHERE seq = 10")
        event = AuditEvent.objects.get(seq=10)
        digest = keyed_link(link_key(event.mac_key_id), event.prev_hash,
                            canonical_bytes(*(getattr(event, name) for name in HASHED_FIELDS)))
        raw_sql("UPDATE audit_auditevent SET hash = %s WHERE seq = 10", [digest])

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial
    assert parallel.problem.fault == ChainFault.ALTERED and parallel.problem.seq == 11
    assert "prev_hash does not match the hash of event #10" in parallel.problem.detail
    assert parallel.checked == 10


def test_a_cut_tail_is_reported_after_a_walk_in_stretches():
    build_chain(30)
    with trigger_disabled():
        raw_sql("DELETE FROM audit_auditevent WHERE seq >= 28")

    parallel, serial = walked_in_three_and_in_one()

    assert parallel == serial
    assert parallel.problem.fault == ChainFault.MISSING and parallel.problem.seq == 28


def test_a_short_trail_or_one_inside_a_transaction_is_walked_once():
    assert _segments(1, 1_000, None) == [(1, 1_000)]  # shorter than two stretches' worth by default
    assert _segments(1, 30, 1) == [(1, 30)]
    from django.db import transaction

    with transaction.atomic():  # other connections would not see what this one has not committed
        assert _segments(1, 30, 3) == [(1, 30)]
