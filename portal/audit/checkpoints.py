"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint records the chain head (sequence number and hash), the time, and where keying began, signed with
HMAC-SHA256 under a key derived from the audit key (portal/audit/keys.py). Each is written once, as a new file
under ANNEX_AUDIT_CHECKPOINT_DIR (never overwritten), every AUDIT_CHECKPOINT_SECONDS by beat and before the
DPO's weekly digest, which carries its one-line form. Someone who can rewrite the database can cut the trail's
tail and move the head back, or re-chain a rewritten stretch if they also stole the key: either way the events no
longer end at, or pass through, the hash the latest checkpoint recorded, and `verify_audit_trail` says so.
"""

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.audit.keys import checkpoint_key, sign, signature_matches, writing_key_id
from portal.audit.models import AuditAction, AuditChainHead, AuditEvent
from portal.audit.services import audit_record
from portal.security.errors import CryptoError

_NAME = re.compile(r"^\d{15}-\d{8}T\d{12}\.json$")
_LINE = re.compile(r"^#(\d+) ([0-9a-f]{64}) (\S+) keyed-from=(#\d+|none) key=(\S+) sig=([0-9a-f]{64})$")


class CheckpointError(Exception):
    """A checkpoint that cannot be read or whose signature does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head_hash: str
    created_at: str  # UTC, ISO 8601
    keyed_from_seq: int | None
    key_id: str
    signature: str = ""

    def payload(self) -> bytes:
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def as_line(self) -> str:
        """The form printed in the DPO's digest; `verify_audit_trail --checkpoint` takes it back."""
        keyed = f"#{self.keyed_from_seq}" if self.keyed_from_seq is not None else "none"
        return (f"#{self.seq} {self.head_hash} {self.created_at} keyed-from={keyed} key={self.key_id} "
                f"sig={self.signature}")

    @classmethod
    def from_line(cls, line: str) -> "Checkpoint":
        match = _LINE.match(line.strip())
        if match is None:
            raise CheckpointError(_("This is not an audit checkpoint line as the digest prints it."))
        seq, head_hash, created_at, keyed, key_id, signature = match.groups()
        return cls(seq=int(seq), head_hash=head_hash, created_at=created_at,
                   keyed_from_seq=None if keyed == "none" else int(keyed[1:]), key_id=key_id, signature=signature)

    def verified(self) -> "Checkpoint":
        """Itself, if its signature holds under the audit key; CheckpointError otherwise."""
        try:
            key = checkpoint_key(self.key_id)
        except CryptoError as exc:
            raise CheckpointError(_("The checkpoint's key %(key)s cannot be read: %(error)s")
                                  % {"key": self.key_id, "error": exc}) from None
        if not signature_matches(key, self.payload(), self.signature):
            raise CheckpointError(_("The checkpoint of #%(seq)s does not carry a valid signature: it was altered "
                                    "or forged.") % {"seq": self.seq})
        return self


def checkpoint_dir() -> Path:
    return Path(settings.ANNEX_AUDIT_CHECKPOINT_DIR)


def _file_name(checkpoint: Checkpoint) -> str:
    stamp = re.sub(r"\D", "", checkpoint.created_at)[:20].ljust(20, "0")
    return f"{checkpoint.seq:015d}-{stamp[:8]}T{stamp[8:20]}.json"


def _write_once(path: Path, text: str) -> None:
    """Create `path` with `text`; an existing file is never replaced (os.link refuses)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def checkpoint_read(path: Path) -> Checkpoint:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        checkpoint = Checkpoint(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise CheckpointError(_("The checkpoint %(name)s cannot be read: %(error)s")
                              % {"name": path.name, "error": exc}) from None
    return checkpoint.verified()


def checkpoint_latest() -> Checkpoint | None:
    """The newest checkpoint (highest seq, then latest time), signature checked; None if there is none yet."""
    try:
        names = sorted(name for name in os.listdir(checkpoint_dir()) if _NAME.match(name))
    except FileNotFoundError:
        return None
    return checkpoint_read(checkpoint_dir() / names[-1]) if names else None


def _covers(latest: Checkpoint | None, head: AuditChainHead) -> bool:
    """Whether the latest checkpoint still vouches for the head: nothing was appended after it but its own event."""
    if latest is None:
        return False
    if (latest.seq, latest.head_hash) == (head.last_seq, head.last_hash):
        return True
    return head.last_seq == latest.seq + 1 and AuditEvent.objects.filter(
        seq=head.last_seq, action=AuditAction.AUDIT_CHECKPOINT, prev_hash=latest.head_hash).exists()


@transaction.atomic
def checkpoint_write(*, actor=None) -> Checkpoint | None:
    """Sign the current chain head and store it outside the database; the latest one if the chain has not moved."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None or head.last_seq == 0:
        return None
    try:
        latest = checkpoint_latest()
    except CheckpointError:
        latest = None  # a damaged newest checkpoint is the verifier's to report; a fresh one is still due
    if _covers(latest, head):
        return latest
    key_id = writing_key_id()
    checkpoint = Checkpoint(seq=head.last_seq, head_hash=head.last_hash,
                            created_at=timezone.now().astimezone(UTC).isoformat(timespec="microseconds"),
                            keyed_from_seq=head.keyed_from_seq, key_id=key_id)
    checkpoint = replace(checkpoint, signature=sign(checkpoint_key(key_id, create=True), checkpoint.payload()))
    name = _file_name(checkpoint)
    _write_once(checkpoint_dir() / name, json.dumps(asdict(checkpoint), indent=2, sort_keys=True) + "\n")
    audit_record(action=AuditAction.AUDIT_CHECKPOINT, actor=actor, target_type="audit.auditevent",
                 target_id=checkpoint.seq, target_label=f"#{checkpoint.seq}",
                 changes={"seq": checkpoint.seq, "head_hash": checkpoint.head_hash, "file": name})
    return checkpoint


def checkpoint_digest_lines() -> list:
    """What the DPO's weekly digest says about the audit trail: a fresh checkpoint, to keep outside Annex (its
    sentences lazy, so each DPO reads them in their own language)."""
    checkpoint = checkpoint_write()
    if checkpoint is None:
        return []
    return [  # lazy: written in each recipient's language
        gettext_lazy("Audit trail checkpoint (keep this mail: it shows later whether the trail was cut or "
                     "rewritten):"),
        checkpoint.as_line(),
        gettext_lazy("To check the trail against it: manage.py verify_audit_trail --checkpoint \"<the line above>\""),
    ]
