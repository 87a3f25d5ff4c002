"""Restoring a backup (portal.core.backup) into an empty installation, and proving what came back.

Both sets are checked against their manifests before anything changes, and a target that holds data is
refused: the database must have no tables, the file store must be empty and the key ring absent (or the
very one backed up). The restore loads the database, unpacks the files, installs the key ring, brings
the schema up to this code (`migrate`) and records one audit event. Then `installation_check` proves it:
- the audit trail verifies from its first event to its last;
- every stored file decrypts, and its plaintext has the SHA-256 recorded beside it;
- every published document's fingerprint matches its content, and /verify/ recognises both its hashes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils.module_loading import import_string

from portal.audit.services import audit_record
from portal.audit.verification import verify_chain
from portal.core import backup
from portal.core.audit_actions import SystemAction
from portal.core.backup import BackupError, read_checked, sha256_of
from portal.security.errors import CryptoError, UnknownKeyError
from portal.security.keys import LocalKeyringProvider, get_key_provider
from portal.security.registry import encrypted_file_sets
from portal.security.storage import encrypted_files_root, open_decrypted


@dataclass
class InstallationCheck:
    audit_events: int = 0
    files: Counter = field(default_factory=Counter)  # file set label -> files that decrypted to their hash
    documents: int = 0  # published documents whose fingerprints verify
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _keeps_keyring_file() -> bool:
    return issubclass(import_string(settings.ANNEX_KEY_PROVIDER), LocalKeyringProvider)


def _check_targets(manifest: dict, keys_manifest: dict) -> None:
    """Refuse, changing nothing, unless the sets belong together and the installation is empty."""
    if keys_manifest["backup"] != manifest["name"] or manifest["keys"]["name"] != keys_manifest["name"]:
        raise BackupError(f"key set {keys_manifest['name']} belongs to {keys_manifest['backup']}, "
                          f"not to {manifest['name']}")
    keyring_sha = manifest["keys"]["keyring_sha256"]
    if keyring_sha and keys_manifest["parts"].get(backup.KEYRING_PART, {}).get("sha256") != keyring_sha:
        raise BackupError("the key set's key ring is not the one this backup was made with")
    if manifest["database_vendor"] != connection.vendor:
        raise BackupError(f"this backup holds a {manifest['database_vendor']} database; "
                          f"DATABASE_URL names {connection.vendor}")
    if connection.introspection.table_names():
        raise BackupError(f"database {connection.settings_dict['NAME']} has tables already: "
                          "restore into a new, empty database")
    store = encrypted_files_root()
    if store.exists() and any(store.iterdir()):
        raise BackupError(f"the file store {store} is not empty: restore into an empty one")
    if keyring_sha and not _keeps_keyring_file():
        raise BackupError("this backup carries a key ring file, but ANNEX_KEY_PROVIDER keeps its keys elsewhere")
    keyring = Path(settings.ANNEX_KEYRING_FILE)
    if keyring_sha and keyring.exists() and sha256_of(keyring) != keyring_sha:
        raise BackupError(f"a different key ring exists at {keyring}: move it away first")
    if not keyring_sha:  # the keys stay in the HSM or KMS: it must still hold every one the data needs
        provider = get_key_provider()
        for key_id in manifest["keys"]["key_ids"]:
            try:
                provider.key(key_id)
            except UnknownKeyError:
                raise BackupError(f"the key provider does not hold key {key_id}, which this backup needs") from None


def _restore_database(dump: Path, vendor: str) -> None:
    connection.close()
    if vendor == "postgresql":
        result = subprocess.run(
            [backup.pg_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            env=backup.pg_environment(), capture_output=True, text=True)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed (exit {result.returncode}); the database is unchanged: "
                              f"{result.stderr.strip()[-2000:]}")
        return
    target = Path(connection.settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(dump, partial)
    os.replace(partial, target)


def _unpack_files(archive: Path) -> int:
    store = encrypted_files_root()
    partial = store.with_name(f".{store.name}.restoring")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True, mode=0o700)
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.isfile()]
        tar.extractall(partial, members=members, filter="data")  # no absolute paths, no "..", no links out
    if store.exists():
        store.rmdir()  # checked empty before
    partial.rename(store)
    return len(members)


def _install_keyring(source: Path) -> None:
    target = Path(settings.ANNEX_KEYRING_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(source, partial)
    os.chmod(partial, 0o600)
    os.replace(partial, target)


def backup_restore(*, data: Path, keys: Path) -> dict:
    """Restore a data set and its key set into this (empty) installation; returns what was restored."""
    data, keys = Path(data), Path(keys)
    manifest = read_checked(data, kind="annex-backup")
    keys_manifest = read_checked(keys, kind="annex-keys")
    _check_targets(manifest, keys_manifest)
    vendor = manifest["database_vendor"]
    _restore_database(data / backup.DATABASE_PARTS[vendor], vendor)
    files = _unpack_files(data / backup.FILES_PART)
    if manifest["keys"]["keyring_sha256"]:
        _install_keyring(keys / backup.KEYRING_PART)
    call_command("migrate", verbosity=0, interactive=False)
    audit_record(action=SystemAction.RESTORED, target_type="system.backup", target_id=manifest["created_at"][:64],
                 target_label=manifest["name"], changes={"manifest_sha256": sha256_of(data / "manifest.json"),
                                                          "files": files})
    return {"name": manifest["name"], "files": files, "database": vendor}


def _check_files(report: InstallationCheck) -> None:
    for file_set in encrypted_file_sets():
        rows = file_set.model._default_manager.exclude(**{file_set.path_field: ""}).order_by("pk")
        for row in rows.iterator(chunk_size=500):
            path = getattr(row, file_set.path_field)
            where = f"{file_set.label} {row.pk} ({path})"
            digest = hashlib.sha256()
            try:
                stream = open_decrypted(path, purpose=file_set.purpose(row))
                try:
                    for chunk in stream:
                        digest.update(chunk)
                finally:
                    stream.close()
            except FileNotFoundError:
                report.problems.append(f"{where}: the file is missing")
                continue
            except (CryptoError, ValueError) as exc:
                report.problems.append(f"{where}: does not decrypt ({exc})")
                continue
            recorded = getattr(row, file_set.sha256_field) if file_set.sha256_field else None
            if recorded and digest.hexdigest() != recorded:
                report.problems.append(f"{where}: decrypts to another SHA-256 than the one recorded")
                continue
            report.files[file_set.label] += 1


def _check_documents(report: InstallationCheck) -> None:
    from portal.exports.models import AnnexVersion
    from portal.exports.rendering import snapshot_sha256
    from portal.exports.selectors import version_verify

    for version in AnnexVersion.objects.order_by("pk").iterator(chunk_size=200):
        fingerprint = snapshot_sha256(kind=version.kind, subject_key=version.subject_key, number=version.number,
                                      published_at=version.published_at, content=version.snapshot)
        if fingerprint != version.snapshot_sha256:
            report.problems.append(f"published {version}: its content no longer matches its fingerprint")
        elif not all(version_verify(digest)["genuine"] for digest in (version.snapshot_sha256, version.file_sha256)):
            report.problems.append(f"published {version}: /verify/ does not recognise it")
        else:
            report.documents += 1


def installation_check() -> InstallationCheck:
    """Prove the audit trail, every stored file and every published document of this installation."""
    report = InstallationCheck()
    chain = verify_chain()
    report.audit_events = chain.checked
    if not chain.intact:
        report.problems.append(f"audit trail broken at {chain.problem}")
    _check_files(report)
    _check_documents(report)
    return report
