"""Helpers for audit-trail tests: build a chain the way services do, and tamper with it as an attacker would."""

from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

from portal.audit import context
from portal.audit.keys import keyed_link
from portal.audit.models import HASHED_FIELDS, AuditAction, AuditChainHead, AuditEvent, canonical_bytes, chain_hash
from portal.audit.services import audit_record

# Every column a tamperer could move between rows, except the primary key.
CONTENT_COLUMNS = [
    "created_at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_label",
    "changes", "ip", "user_agent", "request_id", "prev_hash", "hash",
]


def build_chain(count: int, *, actor=None) -> list:
    """Append `count` events with varied content (IPv6 and IPv4-mapped addresses, unicode, nested changes)."""
    addresses = ["203.0.113.7", "2001:db8::1", "::ffff:198.51.100.4", None]
    events = []
    for n in range(count):
        token = context.bind(context.RequestContext(
            ip=addresses[n % len(addresses)], user_agent=f"Browser/{n}", request_id=f"req-{n:08d}"))
        try:
            events.append(audit_record(
                action=AuditAction.USER_UPDATED, actor=actor, target_type="accounts.user", target_id=n,
                target_label=f"Zoë Müller {n}",
                changes={"department": (f"Ops {n}", "Sécurité"), "nested": ({"a": [1, 2.5, None]}, True)},
            ))
        finally:
            context.reset(token)
    return events


def raw_sql(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def trigger_disabled():
    """PostgreSQL's append-only trigger off, as an attacker with DDL rights would turn it first; the verifier must
    still catch what is done meanwhile."""
    raw_sql("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
    try:
        yield
    finally:
        raw_sql("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def swap_rows(seq_a: int, seq_b: int, *, include_seq: bool = False) -> None:
    """Exchange two events' stored contents, hashes included, leaving the primary keys in place."""
    columns = CONTENT_COLUMNS + (["seq"] if include_seq else [])
    select = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {select} FROM audit_auditevent WHERE seq IN (%s, %s) ORDER BY seq",
                       [seq_a, seq_b])
        (id_a, *row_a), (id_b, *row_b) = cursor.fetchall()
        # Unique columns (hash, seq) get placeholders first so the two UPDATEs never collide.
        cursor.execute("UPDATE audit_auditevent SET hash = %s, seq = -seq WHERE id = %s", ["x" * 64, id_a])
        assignments = ", ".join(f"{column} = %s" for column in columns)
        cursor.execute(f"UPDATE audit_auditevent SET {assignments} WHERE id = %s", [*row_a, id_b])
        cursor.execute(f"UPDATE audit_auditevent SET {assignments} WHERE id = %s", [*row_b, id_a])
        if not include_seq:
            cursor.execute("UPDATE audit_auditevent SET seq = -seq WHERE id = %s", [id_a])


def build_legacy_chain(count: int) -> None:
    """Append `count` events as the release before the keyed chain wrote them: bare SHA-256 links, no key id."""
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    for n in range(count):
        event = AuditEvent(seq=head.last_seq + 1, created_at=timezone.now(), action=AuditAction.USER_UPDATED,
                           target_type="accounts.user", target_id=str(n), target_label=f"Legacy {n}",
                           changes={"department": {"before": "Ops", "after": f"Legal {n}"}}, prev_hash=head.last_hash)
        event.hash = chain_hash(event.prev_hash, event.canonical())
        event.save(force_insert=True)
        head.last_seq, head.last_hash = event.seq, event.hash
    head.keyed_from_seq = None
    head.save()


def rechain_from(seq: int, *, key: bytes | None, key_id: str = "") -> None:
    """What someone who can write the database does after editing event `seq`: recompute it and every later
    link, with the key they have (None: the bare SHA-256 of the older release), and move the head to the end."""
    prev = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first() or "0" * 64
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        canonical = canonical_bytes(*(getattr(event, name) for name in HASHED_FIELDS))
        digest = keyed_link(key, prev, canonical) if key is not None else chain_hash(prev, canonical)
        raw_sql("UPDATE audit_auditevent SET prev_hash = %s, hash = %s, mac_key_id = %s WHERE id = %s",
                [prev, digest, key_id if key is not None else "", event.pk])
        prev = digest
    AuditChainHead.objects.filter(pk=1).update(last_hash=prev)
