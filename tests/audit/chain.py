"""Helpers for audit-trail tests: build a chain the way services do, and tamper with it as an attacker would."""

from django.db import connection

from portal.audit import context
from portal.audit.models import AuditAction
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
