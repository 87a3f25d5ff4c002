"""Removing the oldest audit events under the retention policy without breaking the proof of the rest.

A seal is a checkpoint event appended to the chain: it names the last removed event (`through_seq`)
and carries that event's hash (`last_hash`). The first event that stays links to exactly that hash, so
`verify_chain` anchors there instead of at the genesis hash, and the checkpoint itself is covered by
the chain it sits in: editing it breaks its own hash. Only a prefix of the trail is ever removed.

On PostgreSQL the append-only trigger lets a DELETE through only for events at or below the seq that
the sealing transaction announced with SET LOCAL, right after writing the checkpoint.
"""

from django.db import connection, transaction

from portal.audit.models import AuditAction, AuditEvent
from portal.audit.services import audit_record

SEAL_SETTING = "annex.audit_sealed_through"


def latest_seal_for(first_seq: int) -> dict | None:
    """The checkpoint that vouches for a trail starting at `first_seq` (the newest one, should there be several)."""
    changes = (
        AuditEvent.objects.filter(action=AuditAction.AUDIT_SEALED, changes__through_seq=first_seq - 1)
        .order_by("-seq").values_list("changes", flat=True).first()
    )
    return changes if isinstance(changes, dict) else None


@transaction.atomic
def audit_seal_through(*, through_seq: int, actor=None, reason: str = "") -> int:
    """Seal and remove every event up to `through_seq`; returns how many were removed (0 if none remain)."""
    first = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
    last = AuditEvent.objects.filter(seq=through_seq).values_list("hash", flat=True).first()
    if first is None or first > through_seq or last is None:
        return 0
    removed = through_seq - first + 1
    audit_record(
        action=AuditAction.AUDIT_SEALED, actor=actor, target_type="audit.auditevent",
        target_label=f"#{first} to #{through_seq}",
        changes={"first_seq": first, "through_seq": through_seq, "last_hash": last, "removed": removed,
                 "reason": reason},
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [SEAL_SETTING, str(through_seq)])
    deleted, _ = AuditEvent.objects.filter(seq__lte=through_seq).delete()
    return deleted
