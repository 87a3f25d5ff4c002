"""Writing to the audit trail. Call audit_record() inside the service's own transaction."""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models, transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from portal.audit import context
from portal.audit.keys import keyed_link, link_key, writing_key_id
from portal.audit.models import AuditAction, AuditChainHead, AuditEvent, normalise_ip
from portal.audit.selectors import audit_events_matching

MASK = "***"
# Field names masked wherever they appear, whatever the model says.
ALWAYS_MASKED = {"password", "secret", "key", "token", "otp", "code", "codes", "backup_codes", "token_hash"}


def _jsonable(value: Any) -> Any:
    """Reduce a value to what survives a JSON round trip unchanged, so the hash is stable."""
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def masked_changes(
    changes: Mapping[str, tuple[Any, Any] | list], *, masked: Iterable[str] = ()
) -> dict[str, dict[str, Any]]:
    """{'field': (before, after)} -> {'field': {'before': .., 'after': ..}} with secrets masked."""
    hidden = ALWAYS_MASKED | set(masked)
    result = {}
    for field, (before, after) in changes.items():
        if field in hidden:
            before, after = (MASK if before not in (None, "") else before), MASK
        result[field] = {"before": before, "after": after}
    return _jsonable(result)


def _normalised_changes(changes: Mapping[str, Any] | None, *, masked: Iterable[str]) -> dict:
    """Every (before, after) tuple becomes {"before", "after"}; secret and personal fields are masked.

    Applied to every event, so a service cannot store a secret by passing a raw tuple. Other values
    (filters, counts) are kept as they are, unless their name marks them as secret.
    """
    hidden = ALWAYS_MASKED | set(masked)
    result: dict[str, Any] = {}
    for field, value in (changes or {}).items():
        if isinstance(value, tuple) and len(value) == 2:
            result.update(masked_changes({field: value}, masked=hidden))
        elif field in hidden and not (isinstance(value, dict) and set(value) == {"before", "after"}):
            result[field] = MASK
        else:
            result[field] = value
    return _jsonable(result)


def diff_fields(instance: models.Model, before: Mapping[str, Any], fields: Iterable[str]) -> dict[str, tuple]:
    """Compare a snapshot taken before an edit with the instance now; only changed fields."""
    out = {}
    for name in fields:
        now = getattr(instance, name)
        if before.get(name) != now:
            out[name] = (before.get(name), now)
    return out


@transaction.atomic
def audit_record(
    *,
    action: AuditAction | str,
    actor=None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_label: str = "",
    changes: Mapping[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain. Locks the chain head, so appends are serialised."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_label = target_label or str(target)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    ctx = context.current()
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    key_id = writing_key_id()
    key = link_key(key_id, create=True)
    if head.keyed_from_seq is None:
        _key_the_chain(head, key_id=key_id, key=key)
    event = AuditEvent(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor=actor,
        actor_label=(actor_label or (actor.email if actor is not None else ""))[:254],
        action=str(action),
        target_type=str(target_type)[:64],
        target_id=str(target_id)[:64],
        target_label=str(target_label)[:254],
        changes=_normalised_changes(changes, masked=getattr(target, "audit_masked_fields", ())),
        ip=normalise_ip(ctx.ip),
        user_agent=ctx.user_agent[:300],
        request_id=ctx.request_id[:64],
    )
    _append(head, event, key_id=key_id, key=key)
    return event


def _append(head: AuditChainHead, event: AuditEvent, *, key_id: str, key: bytes) -> None:
    """Link `event` to the locked head with the keyed HMAC, insert it, and move the head on."""
    event.prev_hash = head.last_hash
    event.mac_key_id = key_id
    event.hash = keyed_link(key, event.prev_hash, event.canonical())
    event.save(force_insert=True)
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash", "keyed_from_seq"])


def _key_the_chain(head: AuditChainHead, *, key_id: str, key: bytes) -> None:
    """The first keyed append. A trail begun by an older release (bare SHA-256 links) is re-anchored first: an
    audit.chain_keyed event, itself keyed, records the seq and hash of the last unkeyed event and links to it,
    so nobody without the key can rewrite the earlier events and re-chain them to the same end."""
    if head.last_seq == 0:
        head.keyed_from_seq = 1
        return
    head.keyed_from_seq = head.last_seq + 1
    anchor = AuditEvent(
        seq=head.last_seq + 1, created_at=timezone.now(), action=AuditAction.AUDIT_CHAIN_KEYED,
        target_type="audit.auditevent", target_label=f"#1 to #{head.last_seq}"[:254],
        changes={"legacy_through_seq": head.last_seq, "legacy_head_hash": head.last_hash, "key_id": key_id},
    )
    _append(head, anchor, key_id=key_id, key=key)


@transaction.atomic
def audit_trail_export(*, actor, filters: Mapping[str, Any]) -> tuple[QuerySet[AuditEvent], AuditEvent]:
    """Record that `actor` exports the events matching `filters`; returns those rows, fixed as of now."""
    events = audit_events_matching(**filters)
    snapshot = events.aggregate(rows=Count("id"), last_seq=Max("seq"))
    used = {name: str(value) for name, value in filters.items() if value not in (None, "")}
    event = audit_record(
        action=AuditAction.AUDIT_EXPORTED,
        actor=actor,
        target_type="audit.auditevent",
        target_label="Audit trail (CSV)",
        changes={"filters": used, "format": "csv", "rows": snapshot["rows"], "up_to_seq": snapshot["last_seq"]},
    )
    return events.filter(seq__lte=snapshot["last_seq"] or 0), event
