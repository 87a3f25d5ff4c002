"""The audit chain is keyed (HMAC, key outside the database) and anchored by signed checkpoints outside it."""

import json
import os
import secrets
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.audit.checkpoints import Checkpoint, checkpoint_dir, checkpoint_latest, checkpoint_write
from portal.audit.keys import link_key, writing_key_id
from portal.audit.models import AuditAction, AuditChainHead, AuditEvent
from portal.audit.services import audit_record
from portal.audit.tasks import checkpoint_write_task
from portal.audit.verification import ChainFault, verify_chain
from portal.security.keys import get_key_provider
from tests.audit.chain import build_chain, build_legacy_chain, raw_sql, rechain_from

pytestmark = pytest.mark.django_db


def cut_tail(from_seq: int) -> None:
    """Delete the events from `from_seq` on and move the head back to the one before, as an attacker would."""
    survivor = AuditEvent.objects.get(seq=from_seq - 1)
    raw_sql("DELETE FROM audit_auditevent WHERE seq >= %s", [from_seq])
    AuditChainHead.objects.filter(pk=1).update(last_seq=survivor.seq, last_hash=survivor.hash)


def verify_command(*args) -> str:
    out = StringIO()
    call_command("verify_audit_trail", *args, stdout=out)
    return out.getvalue()


def test_every_event_is_linked_by_an_hmac_under_the_audit_key():
    build_chain(3)
    assert set(AuditEvent.objects.values_list("mac_key_id", flat=True)) == {writing_key_id()}
    assert AuditChainHead.objects.get().keyed_from_seq == 1
    assert verify_chain().intact


@pytest.mark.parametrize("key", [None, b"\x00" * 32], ids=["bare SHA-256", "a guessed key"])
def test_an_event_rewritten_and_every_later_link_recomputed_without_the_key_is_detected(key):
    build_chain(6)
    raw_sql("UPDATE audit_auditevent SET target_label = 'someone else' WHERE seq = 3")
    rechain_from(3, key=key, key_id=writing_key_id())

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 3


def test_the_whole_trail_rewritten_as_unkeyed_is_caught_by_the_checkpoint():
    build_chain(4)
    checkpoint_write()
    raw_sql("UPDATE audit_auditevent SET target_label = 'someone else' WHERE seq = 2")
    rechain_from(1, key=None)

    report = verify_chain()

    assert report.problem.fault == ChainFault.RECHAINED


def test_a_cut_tail_with_the_head_moved_back_is_reported_against_the_checkpoint():
    build_chain(6)
    checkpoint = checkpoint_write()  # signs #6, then records itself as #7
    build_chain(2)
    cut_tail(5)

    report = verify_chain()

    assert checkpoint.seq == 6
    assert report.problem.fault == ChainFault.MISSING and report.problem.seq == 5
    assert "records event #6 but the trail ends at #4: the tail #5 to #6 was cut" in report.problem.detail
    with pytest.raises(CommandError, match="the tail #5 to #6 was cut"):
        verify_command()


def test_a_stretch_re_chained_with_the_stolen_key_still_differs_from_the_checkpoint():
    build_chain(5)
    checkpoint_write()
    build_chain(2)
    raw_sql("UPDATE audit_auditevent SET target_label = 'someone else' WHERE seq = 2")
    rechain_from(2, key=link_key(writing_key_id()), key_id=writing_key_id())

    report = verify_chain()

    assert report.problem.fault == ChainFault.RECHAINED and report.problem.seq == 5
    assert "rewritten and re-chained" in report.problem.detail


def test_a_checkpoint_file_that_was_edited_is_reported():
    build_chain(3)
    checkpoint_write()
    [path] = checkpoint_dir().iterdir()
    data = json.loads(path.read_text())
    data["seq"] = 2
    os.chmod(path, 0o600)
    path.write_text(json.dumps(data))

    report = verify_chain()

    assert report.problem.fault == ChainFault.CHECKPOINT and "valid signature" in report.problem.detail


def test_the_digest_line_checks_the_trail_even_after_the_checkpoint_files_are_gone():
    build_chain(4)
    line = checkpoint_write().as_line()
    assert "Audit trail intact: 5 events verified" in verify_command("--checkpoint", line)
    for path in checkpoint_dir().iterdir():
        path.unlink()
    cut_tail(3)

    assert verify_chain().intact  # the files are gone: nothing on this machine remembers the cut tail
    with pytest.raises(CommandError, match="the tail #3 to #4 was cut"):
        verify_command("--checkpoint", line)
    forged = line.replace("#4 ", "#2 ", 1)
    with pytest.raises(CommandError, match="valid signature"):
        verify_command("--checkpoint", forged)


def test_a_checkpoint_is_written_once_audited_and_not_repeated_while_the_chain_is_idle():
    build_chain(2)
    first = checkpoint_write()
    assert checkpoint_write_task.delay().get() == first.seq == 2
    assert checkpoint_latest() == first
    assert len(list(checkpoint_dir().iterdir())) == 1
    [event] = AuditEvent.objects.filter(action=AuditAction.AUDIT_CHECKPOINT)
    assert event.seq == 3 and event.changes["head_hash"] == first.head_hash
    assert (checkpoint_dir() / event.changes["file"]).is_file()
    build_chain(1)
    second = checkpoint_write()
    assert second.seq == 4 and len(list(checkpoint_dir().iterdir())) == 2
    assert verify_chain().checkpoint == second


def test_an_empty_trail_has_no_checkpoint_and_verifies():
    assert checkpoint_write() is None
    assert verify_chain().intact


def test_a_trail_begun_before_keying_is_re_anchored_by_an_audited_event_and_stays_verifiable():
    build_legacy_chain(4)
    legacy_head = AuditChainHead.objects.get()

    audit_record(action=AuditAction.LOGIN)

    anchor = AuditEvent.objects.get(seq=5)
    assert anchor.action == AuditAction.AUDIT_CHAIN_KEYED and anchor.mac_key_id == writing_key_id()
    assert anchor.changes["legacy_through_seq"] == 4 and anchor.changes["legacy_head_hash"] == legacy_head.last_hash
    assert anchor.prev_hash == legacy_head.last_hash
    assert AuditEvent.objects.get(seq=6).action == AuditAction.LOGIN
    assert AuditChainHead.objects.get().keyed_from_seq == 5
    report = verify_chain()
    assert report.intact and report.checked == 6


def test_the_unkeyed_events_before_the_anchor_cannot_be_rewritten_and_re_chained():
    build_legacy_chain(4)
    audit_record(action=AuditAction.LOGIN)
    raw_sql("UPDATE audit_auditevent SET target_label = 'someone else' WHERE seq = 2")
    # Re-chain the unkeyed stretch with the older release's own function, up to the anchor.
    prev = AuditEvent.objects.get(seq=1).hash
    from portal.audit.models import chain_hash

    for event in AuditEvent.objects.filter(seq__in=[2, 3, 4]).order_by("seq"):
        digest = chain_hash(prev, event.canonical())
        raw_sql("UPDATE audit_auditevent SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, event.pk])
        prev = digest

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 5


def test_an_unkeyed_event_after_keyed_ones_is_refused():
    build_chain(3)
    raw_sql("UPDATE audit_auditevent SET target_label = 'x' WHERE seq = 3")
    rechain_from(3, key=None)

    report = verify_chain()

    assert report.problem.fault == ChainFault.ALTERED and report.problem.seq == 3
    assert "not keyed" in report.problem.detail


def test_the_audit_key_is_nowhere_in_the_database():
    build_chain(2)
    raw = get_key_provider().key(writing_key_id())
    derived = link_key(writing_key_id())
    if connection.vendor != "sqlite":
        pytest.skip("dumps the SQLite database")
    dump = "\n".join(connection.connection.iterdump())
    import base64

    for secret in (raw, derived):
        assert secret.hex() not in dump and base64.b64encode(secret).decode() not in dump


def test_the_audit_key_is_pinned_outside_rotation(private_keyring_for_audit):
    from portal.security.services import keyring_rotate

    build_chain(1)
    before = link_key(writing_key_id())
    keyring_rotate()
    assert writing_key_id() not in get_key_provider().key_ids()
    assert link_key(writing_key_id()) == before
    build_chain(1)
    assert verify_chain().intact


@pytest.fixture
def private_keyring_for_audit(settings, tmp_path):
    settings.ANNEX_KEYRING_FILE = tmp_path / f"keyring-{secrets.token_hex(4)}.json"
    return settings.ANNEX_KEYRING_FILE


def test_checkpoint_lines_round_trip():
    checkpoint = Checkpoint(seq=12, head_hash="a" * 64, created_at="2026-01-01T00:00:00.000000+00:00",
                            keyed_from_seq=3, key_id="audit-chain-1", signature="b" * 64)
    assert Checkpoint.from_line(checkpoint.as_line()) == checkpoint
