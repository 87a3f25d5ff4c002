"""The append-only audit trail, chained by HMAC-SHA256 under a key kept outside the database (portal/audit/keys.py)."""

import hashlib
import ipaddress
import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.audit.registry import action_label, register_actions

GENESIS_HASH = "0" * 64


@register_actions
class AuditAction(models.TextChoices):
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Sign-in failed")
    LOGOUT = "auth.logout", _("Signed out")
    LOCKED_OUT = "auth.locked_out", _("Locked out after repeated failures")
    LOCKOUT_LIFTED = "auth.lockout_lifted", _("Sign-in lockout lifted by an administrator")
    PASSWORD_SET = "auth.password_set", _("Password set")
    PASSWORD_CHANGED = "auth.password_changed", _("Password changed")
    PASSWORD_RESET_SENT = "auth.password_reset_sent", _("Password reset link sent")
    PASSWORD_RESET = "auth.password_reset", _("Password reset with an emailed link")
    MFA_ENROLLED = "mfa.enrolled", _("MFA device enrolled")
    MFA_VERIFIED = "mfa.verified", _("MFA verified")
    MFA_FAILED = "mfa.failed", _("MFA code refused")
    MFA_STEP_UP = "mfa.step_up", _("MFA re-verified for a sensitive action")
    MFA_DEVICE_REMOVED = "mfa.device_removed", _("MFA device removed")
    MFA_BACKUP_CODES_ISSUED = "mfa.backup_codes_issued", _("Backup codes issued")
    MFA_BACKUP_CODE_USED = "mfa.backup_code_used", _("Backup code used")
    MFA_RESET = "mfa.reset", _("MFA reset by an administrator")
    USER_INVITED = "user.invited", _("User invited")
    INVITATION_ACCEPTED = "user.invitation_accepted", _("Invitation accepted")
    INVITATION_REVOKED = "user.invitation_revoked", _("Invitation revoked")
    USER_UPDATED = "user.updated", _("User updated")
    USER_DEACTIVATED = "user.deactivated", _("User deactivated")
    USER_REACTIVATED = "user.reactivated", _("User reactivated")
    ROLES_CHANGED = "user.roles_changed", _("Roles changed")
    USER_PREFERENCES_CHANGED = "user.preferences_changed", _("Language or time zone changed")
    AUDIT_EXPORTED = "audit.exported", _("Audit trail exported")
    AUDIT_SEALED = "audit.sealed", _("Old audit events sealed and removed under the retention policy")
    EXPORT_REQUESTED = "export.requested", _("Export requested")
    EXPORT_DOWNLOADED = "export.downloaded", _("Export downloaded")
    EXPORT_COMPLETED = "export.completed", _("Export rendered and stored")
    EXPORT_FAILED = "export.failed", _("Export failed")
    ANNEX_PUBLISHED = "annex.published", _("TOM annex version published")
    ANNEX_NOTICE_SENT = "annex.notice_sent", _("TOM annex change notice sent")
    DEMO_SEEDED = "system.demo_seeded", _("Demo data loaded")
    ENCRYPTION_KEY_ADDED = "security.key_added", _("Encryption key added and made current")
    ENCRYPTION_KEY_RETIRED = "security.key_retired", _("Encryption key retired")
    DATA_REENCRYPTED = "security.reencrypted", _("Stored data re-encrypted under the current key")
    REMINDERS_SWEPT = "notifications.reminders_swept", _("Reminder sweep created notices")
    NOTIFICATION_DELIVERY_FAILED = "notifications.delivery_failed", _("Notification delivery failed")
    NOTIFICATION_DELIVERY_RETRIED = "notifications.delivery_retried", _("Failed notification queued again")
    NOTIFICATION_READ = "notifications.read", _("Notification marked read")
    NOTIFICATIONS_ALL_READ = "notifications.all_read", _("All notifications marked read")
    NOTIFICATION_PREFERENCES_CHANGED = "notifications.preferences_changed", _("Notification preferences changed")
    CALENDAR_FEED_ISSUED = "notifications.calendar_issued", _("Calendar feed link issued")
    CALENDAR_FEED_REVOKED = "notifications.calendar_revoked", _("Calendar feed link revoked")
    ADMIN_ADDED = "admin.added", _("Record added in the Django admin")
    ADMIN_CHANGED = "admin.changed", _("Record changed in the Django admin")
    ADMIN_DELETED = "admin.deleted", _("Record deleted in the Django admin")
    AUDIT_CHAIN_KEYED = "audit.chain_keyed", _("Audit chain keyed: the earlier, unkeyed events anchored")
    AUDIT_CHECKPOINT = "audit.checkpoint", _("Audit chain checkpoint written outside the database")


class AuditEvent(models.Model):
    """One audited action. Rows are only ever inserted (PostgreSQL enforces it with a trigger)."""

    seq = models.BigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(db_index=True, editable=False)
    # PROTECT: users are deactivated, never deleted, so no row of this table ever needs an UPDATE.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    # No `choices=` on the column: new actions must not need a migration. The registry labels them.
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True, db_index=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=254, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The key-provider key whose HMAC link this is; empty for events written before the chain was keyed,
    # whose link is a bare SHA-256 (the audit.chain_keyed event that follows them vouches for their last hash).
    mac_key_id = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label or 'system'}"

    def get_action_display(self) -> str:
        return action_label(self.action)

    def canonical(self) -> bytes:
        return canonical_bytes(*(getattr(self, name) for name in HASHED_FIELDS))

    def changed_fields(self) -> list[str]:
        return sorted(self.changes) if isinstance(self.changes, dict) else []

    def hash_is_intact(self) -> bool:
        """Whether the stored hash still matches this event's content and its link (reads the chain's key)."""
        from portal.audit.keys import keyed_link, link_key
        from portal.security.errors import CryptoError

        if not self.mac_key_id:
            return chain_hash(self.prev_hash, self.canonical()) == self.hash
        try:
            return keyed_link(link_key(self.mac_key_id), self.prev_hash, self.canonical()) == self.hash
        except CryptoError:
            return False


class AuditChainHead(models.Model):
    """A single row locked by every append, so concurrent writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The first keyed event; null while the chain holds only events of a release that did not key it.
    keyed_from_seq = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"


# The columns an event's hash covers, in the order canonical_bytes() takes them. The verifier
# reads exactly these with values_list(), so writer and verifier share one serialisation.
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_label",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "changes",
    "ip",
    "user_agent",
    "request_id",
)


@lru_cache(maxsize=4096)  # the verifier meets the same few addresses millions of times
def normalise_ip(ip: str | None) -> str | None:
    """One spelling per address (IPv4-mapped IPv6 as plain IPv4), whatever the database returns."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


_CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, check_circular=False, default=str
)
_json_string = json.encoder.encode_basestring  # the string encoder _CANONICAL_JSON uses (ensure_ascii=False)


class CanonicalJSON(str):
    """A `changes` value already written as canonical JSON: canonical_bytes() takes it as it is."""


def canonical_changes(stored: str) -> CanonicalJSON:
    """The canonical JSON of `changes` as the database stores it (JSON text in any spelling). Events repeat the
    same few short values (most carry none): those are decoded and written once, in a cache of at most 4,096
    values of at most 512 characters, so it stays small however long the trail."""
    if len(stored) > 512:
        return _write_changes(stored)
    return _write_short_changes(stored)


def _write_changes(stored: str) -> CanonicalJSON:
    return CanonicalJSON(_CANONICAL_JSON.encode(json.loads(stored)))


_write_short_changes = lru_cache(maxsize=4096)(_write_changes)


def canonical_bytes(
    seq: int,
    created_at: datetime | str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    target_label: str,
    changes: Any,
    ip: str | None,
    user_agent: str,
    request_id: str,
) -> bytes:
    """The canonical serialisation of one event: sorted-key compact JSON, times in UTC to the microsecond.

    The top level is written field by field in sorted-key order, the `changes` object by _CANONICAL_JSON:
    the same bytes as _CANONICAL_JSON.encode() of the whole event (a property test compares them), at
    half its cost, which the verifier pays once per event. A value of another type takes the encoder.
    """
    if isinstance(created_at, str):
        pass  # already the UTC ISO form, written by the database (the verifier's PostgreSQL path)
    else:
        if created_at.utcoffset():  # the database hands back UTC already; converting anyway costs the verifier
            created_at = created_at.astimezone(UTC)
        created_at = created_at.isoformat(timespec="microseconds")
    ip = normalise_ip(ip)
    if (type(action) is str and type(actor_label) is str and type(created_at) is str and type(request_id) is str
            and type(target_id) is str and type(target_label) is str and type(target_type) is str
            and type(user_agent) is str and type(seq) is int and (actor_id is None or type(actor_id) is int)):
        # The top level in sorted-key order, each string as _CANONICAL_JSON writes it (bool is not int here).
        changes_json = changes if type(changes) is CanonicalJSON else _CANONICAL_JSON.encode(changes)
        return (
            f'{{"action":{_json_string(action)},"actor_id":{"null" if actor_id is None else actor_id},'
            f'"actor_label":{_json_string(actor_label)},"changes":{changes_json},'
            f'"created_at":{_json_string(created_at)},"ip":{"null" if ip is None else _json_string(ip)},'
            f'"request_id":{_json_string(request_id)},"seq":{seq},"target_id":{_json_string(target_id)},'
            f'"target_label":{_json_string(target_label)},"target_type":{_json_string(target_type)},'
            f'"user_agent":{_json_string(user_agent)}}}'
        ).encode()
    if type(changes) is CanonicalJSON:
        changes = json.loads(changes)
    fields = {
        "seq": seq, "created_at": created_at, "actor_id": actor_id, "actor_label": actor_label,
        "action": action, "target_type": target_type, "target_id": target_id, "target_label": target_label,
        "changes": changes, "ip": ip, "user_agent": user_agent, "request_id": request_id,
    }
    return _CANONICAL_JSON.encode(fields).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """The unkeyed link of events written before the chain was keyed (kept to verify them)."""
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()
