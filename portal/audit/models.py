"""The append-only, SHA-256 chained audit trail."""

import hashlib
import json

from django.conf import settings
from django.db import models

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    LOGIN = "auth.login", "Signed in"
    LOGIN_FAILED = "auth.login_failed", "Sign-in failed"
    LOGOUT = "auth.logout", "Signed out"
    LOCKED_OUT = "auth.locked_out", "Locked out after repeated failures"
    PASSWORD_SET = "auth.password_set", "Password set"
    MFA_ENROLLED = "mfa.enrolled", "MFA device enrolled"
    MFA_VERIFIED = "mfa.verified", "MFA verified"
    MFA_FAILED = "mfa.failed", "MFA code refused"
    MFA_STEP_UP = "mfa.step_up", "MFA re-verified for a sensitive action"
    MFA_DEVICE_REMOVED = "mfa.device_removed", "MFA device removed"
    MFA_BACKUP_CODES_ISSUED = "mfa.backup_codes_issued", "Backup codes issued"
    MFA_BACKUP_CODE_USED = "mfa.backup_code_used", "Backup code used"
    MFA_RESET = "mfa.reset", "MFA reset by an administrator"
    USER_INVITED = "user.invited", "User invited"
    INVITATION_ACCEPTED = "user.invitation_accepted", "Invitation accepted"
    INVITATION_REVOKED = "user.invitation_revoked", "Invitation revoked"
    USER_UPDATED = "user.updated", "User updated"
    USER_DEACTIVATED = "user.deactivated", "User deactivated"
    USER_REACTIVATED = "user.reactivated", "User reactivated"
    ROLES_CHANGED = "user.roles_changed", "Roles changed"
    AUDIT_EXPORTED = "audit.exported", "Audit trail exported"
    EXPORT_DOWNLOADED = "export.downloaded", "Export downloaded"
    DEMO_SEEDED = "system.demo_seeded", "Demo data loaded"


class AuditEvent(models.Model):
    """One audited action. Rows are only ever inserted (PostgreSQL enforces it with a trigger)."""

    seq = models.BigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254, blank=True)
    # No `choices=` on the column: new actions must not need a migration. AuditAction labels them.
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

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_label or 'system'}"

    def get_action_display(self) -> str:
        try:
            return AuditAction(self.action).label
        except ValueError:
            return self.action

    def canonical(self) -> bytes:
        return canonical_bytes(
            seq=self.seq,
            created_at=self.created_at.isoformat(),
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            action=self.action,
            target_type=self.target_type,
            target_id=self.target_id,
            target_label=self.target_label,
            changes=self.changes,
            ip=self.ip,
            user_agent=self.user_agent,
            request_id=self.request_id,
        )


class AuditChainHead(models.Model):
    """A single row locked by every append, so concurrent writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain head at #{self.last_seq}"


def canonical_bytes(**fields) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()
