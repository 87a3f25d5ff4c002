"""Key rotation, re-encryption and key retirement. Each change is an audit event."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.security.errors import CryptoError, KeyringError
from portal.security.keys import RotatingKeyProvider, get_key_provider
from portal.security.registry import EncryptedFieldSet, EncryptedFileSet, encrypted_field_sets, encrypted_file_sets
from portal.security.storage import file_key_id, reencrypt_file

MISSING = "(file missing)"
UNREADABLE = "(unreadable)"


@dataclass
class ReencryptionReport:
    current_key_id: str
    # label -> key id -> values/files found under that key before this run
    found: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    reencrypted: Counter = field(default_factory=Counter)  # label -> values/files moved to the current key
    changed_meanwhile: Counter = field(default_factory=Counter)  # label -> rows rewritten by the app during the run
    failures: list[str] = field(default_factory=list)

    @property
    def total_reencrypted(self) -> int:
        return sum(self.reencrypted.values())

    @property
    def not_current(self) -> int:
        """Values and files found under a key other than the current one."""
        return sum(
            n
            for counts in self.found.values()
            for kid, n in counts.items()
            if kid != self.current_key_id and not kid.startswith("(")
        )

    def key_ids_in_use(self) -> set[str]:
        return {kid for counts in self.found.values() for kid, n in counts.items() if n and not kid.startswith("(")}


def _rotating_provider() -> RotatingKeyProvider:
    provider = get_key_provider()
    if not isinstance(provider, RotatingKeyProvider):
        raise KeyringError(
            f"{type(provider).__name__} manages its keys outside Annex: rotate and retire them in the key service"
        )
    return provider


def keyring_rotate(*, actor=None, dry_run: bool = False) -> str:
    """Add a fresh key and make it current; returns its id (or, with dry_run, the current id)."""
    provider = _rotating_provider()
    previous, _ = provider.current_key()
    if dry_run:
        return previous
    with transaction.atomic():
        key_id = provider.add_key()
        audit_record(
            action=AuditAction.ENCRYPTION_KEY_ADDED,
            actor=actor,
            target_type="security.key",
            target_id=key_id,
            target_label=f"encryption key {key_id}",
            changes={"current_key_id": {"before": previous, "after": key_id}},
        )
    return key_id


def _reencrypt_fields(field_set: EncryptedFieldSet, report: ReencryptionReport, *, dry_run: bool, batch_size: int):
    model = field_set.model
    label = field_set.label
    load = {model._meta.pk.attname} | {f.attname for f in field_set.fields}
    load |= {f.bind_to for f in field_set.fields if f.bind_to}
    for row in model._base_manager.only(*load).order_by("pk").iterator(chunk_size=batch_size):
        old, new = {}, {}
        for enc_field in field_set.fields:
            sealed = enc_field.stored_value(row)
            if sealed is None:
                continue
            try:
                key_id = sealed.key_id
            except CryptoError as exc:
                report.found[label][UNREADABLE] += 1
                report.failures.append(f"{label} #{row.pk} {enc_field.name}: {exc}")
                continue
            report.found[label][key_id] += 1
            if key_id == report.current_key_id or dry_run:
                continue
            try:
                plaintext = getattr(row, enc_field.attname)
            except CryptoError as exc:
                report.failures.append(f"{label} #{row.pk} {enc_field.name}: {exc}")
                continue
            old[enc_field.attname] = sealed
            new[enc_field.attname] = enc_field.seal(row, plaintext)
        if new:
            # Compare-and-swap: a row the application rewrote meanwhile already uses the current key.
            updated = model._base_manager.filter(pk=row.pk, **old).update(**new)
            if updated:
                report.reencrypted[label] += len(new)
            else:
                report.changed_meanwhile[label] += 1


def _reencrypt_files(file_set: EncryptedFileSet, report: ReencryptionReport, *, dry_run: bool, batch_size: int):
    model, label, path_field = file_set.model, file_set.label, file_set.path_field
    rows = model._base_manager.exclude(**{f"{path_field}__isnull": True}).exclude(**{path_field: ""})
    for row in rows.order_by("pk").iterator(chunk_size=batch_size):
        path = str(getattr(row, path_field))
        try:
            key_id = file_key_id(path)
        except FileNotFoundError:
            report.found[label][MISSING] += 1
            report.failures.append(f"{label} #{row.pk}: file {path} is missing")
            continue
        except (CryptoError, ValueError) as exc:
            report.found[label][UNREADABLE] += 1
            report.failures.append(f"{label} #{row.pk}: {exc}")
            continue
        report.found[label][key_id] += 1
        if key_id == report.current_key_id or dry_run:
            continue
        try:
            new_key_id = reencrypt_file(path, purpose=file_set.purpose(row))
        except CryptoError as exc:
            report.failures.append(f"{label} #{row.pk}: {exc}")
            continue
        if file_set.key_id_field:
            model._base_manager.filter(pk=row.pk).update(**{file_set.key_id_field: new_key_id})
        report.reencrypted[label] += 1


def encrypted_data_scan(*, batch_size: int = 500) -> ReencryptionReport:
    """Count every registered encrypted value and file by the key it uses; changes nothing."""
    return encrypted_data_reencrypt(dry_run=True, batch_size=batch_size)


def encrypted_data_reencrypt(*, actor=None, dry_run: bool = False, batch_size: int = 500) -> ReencryptionReport:
    """Move every registered encrypted value and file that uses an older key to the current key.

    Rows are updated one at a time (each its own statement), so the run can be interrupted and
    repeated; values that fail to decrypt are reported and left as they are.
    """
    current_key_id, _ = get_key_provider().current_key()
    report = ReencryptionReport(current_key_id=current_key_id)
    for field_set in encrypted_field_sets():
        _reencrypt_fields(field_set, report, dry_run=dry_run, batch_size=batch_size)
    for file_set in encrypted_file_sets():
        _reencrypt_files(file_set, report, dry_run=dry_run, batch_size=batch_size)
    if not dry_run:
        audit_record(
            action=AuditAction.DATA_REENCRYPTED,
            actor=actor,
            target_type="security.key",
            target_id=current_key_id,
            target_label=f"encryption key {current_key_id}",
            changes={
                "reencrypted": dict(report.reencrypted),
                "failures": len(report.failures),
                "key_ids_found": sorted(report.key_ids_in_use()),
            },
        )
    return report


def keyring_retire_key(*, key_id: str, actor=None, dry_run: bool = False) -> ReencryptionReport:
    """Destroy a key no registered data uses any more. Refused while anything still needs it."""
    provider = _rotating_provider()
    if key_id not in provider.key_ids():
        raise KeyringError(f"key {key_id!r} is not in the keyring")
    if key_id == provider.current_key()[0]:
        raise KeyringError(f"key {key_id!r} is the current key; rotate first, then re-encrypt, then retire it")
    report = encrypted_data_scan()
    users = {label: counts[key_id] for label, counts in report.found.items() if counts.get(key_id)}
    if users:
        where = ", ".join(f"{label}: {count}" for label, count in sorted(users.items()))
        raise KeyringError(f"key {key_id!r} is still in use ({where}); run reencrypt first")
    unknown = {UNREADABLE, MISSING} & {kid for counts in report.found.values() for kid in counts}
    if unknown:
        raise KeyringError(
            f"key {key_id!r} cannot be shown to be unused: some data is {' or '.join(sorted(unknown))}; "
            "resolve the failures reencrypt reports first"
        )
    if dry_run:
        return report
    with transaction.atomic():
        audit_record(
            action=AuditAction.ENCRYPTION_KEY_RETIRED,
            actor=actor,
            target_type="security.key",
            target_id=key_id,
            target_label=f"encryption key {key_id}",
        )
        provider.retire_key(key_id)
    return report
