"""Backups of an installation: the database, the encrypted file store and the key ring.

A backup is two sets, written to two destinations that must not contain one another:

    <output>/annex-backup-<UTC time>/       database dump, files.tar (the encrypted store), manifest.json
    <keys-output>/annex-keys-<UTC time>/    keyring.json, manifest.json

The data is unreadable without the key ring, so the key ring never sits beside the data it unlocks: a
copy of the data set alone discloses no evidence file and no encrypted field. Each manifest lists every
part with its size and SHA-256; the data manifest also names its key set and the key ring's SHA-256, so
a restore refuses parts that were altered and a key ring from another backup.

The database is dumped first, as one consistent snapshot (pg_dump; SQLite's online backup on the embedded
default), then the files are archived. A file is stored before the row that names it is committed, so a
row in the dump finds its file; a file removed between the two steps (retention) leaves its row without a
file, and the restore's check names it. A set is written under a temporary name and renamed when complete:
a backup that fails (a full disk) leaves no set that looks whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection

from portal.audit.services import audit_record
from portal.core.audit_actions import SystemAction
from portal.security.keys import LocalKeyringProvider, RotatingKeyProvider, get_key_provider
from portal.security.storage import encrypted_files_root

DATA_PREFIX, KEYS_PREFIX = "annex-backup-", "annex-keys-"
MANIFEST = "manifest.json"
FILES_PART, KEYRING_PART = "files.tar", "keyring.json"
DATABASE_PARTS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what was left unchanged."""


@dataclass(frozen=True)
class BackupSets:
    data: Path
    keys: Path
    manifest: dict


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _part(path: Path, **extra) -> dict:
    os.chmod(path, 0o600)  # the dump holds personal data in the clear, apart from the encrypted fields
    return {"sha256": sha256_of(path), "size": path.stat().st_size, **extra}


def _run(args: list[str], *, env: dict, what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({Path(args[0]).name} exit {result.returncode}): "
                          f"{result.stderr.strip()[-2000:]}")


def pg_program(name: str) -> str:
    """pg_dump or pg_restore: from PATH (Debian's wrapper picks the newest client), else the server's directory."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]))
    if not candidates:
        raise BackupError(f"{name} not found: install the PostgreSQL client (Debian: postgresql-client)")
    return str(candidates[-1])


def pg_environment() -> dict:
    """The database connection for libpq programs, in PG* variables (the password stays out of argv)."""
    s = connection.settings_dict
    env = dict(os.environ, PGDATABASE=s["NAME"])
    for setting, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(setting):
            env[variable] = str(s[setting])
    if (s.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = s["OPTIONS"]["sslmode"]
    return env


def _dump_database(folder: Path) -> tuple[str, dict]:
    vendor = connection.vendor
    if vendor not in DATABASE_PARTS:
        raise BackupError(f"backups cover PostgreSQL and SQLite, not {vendor}")
    target = folder / DATABASE_PARTS[vendor]
    if vendor == "postgresql":
        _run([pg_program("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"],
             env=pg_environment(), what="pg_dump")
    else:
        if connection.in_atomic_block:  # SQLite's backup would wait for this very transaction to end
            raise BackupError("a backup of SQLite cannot run inside a transaction")
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # SQLite's online backup: one consistent copy, writers wait
        finally:
            copy.close()
    return target.name, _part(target)


def _archive_files(folder: Path) -> tuple[str, dict]:
    """The encrypted store as it lies on disk (ciphertext; an unfinished `.part` file is left out)."""
    root, target, count = encrypted_files_root(), folder / FILES_PART, 0
    with tarfile.open(target, "w", format=tarfile.PAX_FORMAT) as tar:
        if root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink() and not path.name.endswith(".part"):
                    tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)
                    count += 1
    return target.name, _part(target, files=count)


def _key_part(folder: Path) -> tuple[dict, list[str]]:
    """The key ring file, when Annex keeps the keys itself; an HSM or KMS keeps its own (key ids recorded)."""
    provider = get_key_provider()
    key_ids = provider.key_ids() if isinstance(provider, RotatingKeyProvider) else [provider.current_key()[0]]
    if not isinstance(provider, LocalKeyringProvider):
        return {}, key_ids
    target = folder / KEYRING_PART
    shutil.copyfile(provider.path, target)
    return {KEYRING_PART: _part(target)}, key_ids


def check_destinations(output: Path, keys_output: Path) -> tuple[Path, Path]:
    output, keys_output = output.resolve(), keys_output.resolve()
    if output == keys_output or output.is_relative_to(keys_output) or keys_output.is_relative_to(output):
        raise BackupError("the key ring goes to its own destination, never beside the data it unlocks: "
                          f"{keys_output} and {output} must not contain one another")
    store = encrypted_files_root().resolve()
    for target in (output, keys_output):
        if target.is_relative_to(store):
            raise BackupError(f"{target} is inside the encrypted file store {store}, which the backup archives")
    return output, keys_output


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.chmod(path, 0o600)


def _new_folder(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    folder = parent / f".{name}.partial"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700)
    return folder


def backup_make(*, output: Path, keys_output: Path, now: datetime | None = None) -> BackupSets:
    """Write a data set to `output` and its key set to `keys_output`; records one audit event."""
    output, keys_output = check_destinations(Path(output), Path(keys_output))
    now = (now or datetime.now(UTC)).astimezone(UTC)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    data_name, keys_name = f"{DATA_PREFIX}{stamp}", f"{KEYS_PREFIX}{stamp}"
    if (output / data_name).exists() or (keys_output / keys_name).exists():
        raise BackupError(f"a backup named {stamp} exists already; wait a second and run it again")
    data_tmp, keys_tmp = _new_folder(output, data_name), _new_folder(keys_output, keys_name)
    try:
        database_part, database = _dump_database(data_tmp)
        files_part, files = _archive_files(data_tmp)
        key_parts, key_ids = _key_part(keys_tmp)
        created = now.isoformat()
        keys_manifest = {"format": "annex-keys/1", "name": keys_name, "backup": data_name, "created_at": created,
                         "key_provider": settings.ANNEX_KEY_PROVIDER, "key_ids": key_ids, "parts": key_parts}
        _write_json(keys_tmp / MANIFEST, keys_manifest)
        manifest = {
            "format": "annex-backup/1", "name": data_name, "created_at": created,
            "database_vendor": connection.vendor,
            "parts": {database_part: database, files_part: files},
            "keys": {"name": keys_name, "key_ids": key_ids,
                     "keyring_sha256": key_parts[KEYRING_PART]["sha256"] if key_parts else None},
        }
        _write_json(data_tmp / MANIFEST, manifest)
        keys_tmp.rename(keys_output / keys_name)
        data_tmp.rename(output / data_name)
    except BaseException:
        shutil.rmtree(data_tmp, ignore_errors=True)
        shutil.rmtree(keys_tmp, ignore_errors=True)
        raise
    audit_record(action=SystemAction.BACKUP_MADE, target_type="system.backup", target_id=stamp,
                 target_label=data_name,
                 changes={"manifest_sha256": sha256_of(output / data_name / MANIFEST),
                          "files": files["files"], "database_bytes": database["size"]})
    return BackupSets(data=output / data_name, keys=keys_output / keys_name, manifest=manifest)


def read_checked(folder: Path, *, kind: str) -> dict:
    """The manifest of a set, after checking every part it lists against its size and SHA-256."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST} cannot be read: {exc}") from None
    if manifest.get("format") != f"{kind}/1":
        raise BackupError(f"{folder} is not an {kind} set (its manifest says {manifest.get('format')!r})")
    for name, expected in manifest.get("parts", {}).items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise BackupError(f"{folder}: part {name} is missing")
        if path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
            raise BackupError(f"{folder}: part {name} does not match its SHA-256 in the manifest")
    return manifest


def backups_prune(*, output: Path, keys_output: Path, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Delete the sets in both destinations created more than `keep_days` ago; returns what was deleted."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    removed = []
    for parent, prefix in ((Path(output), DATA_PREFIX), (Path(keys_output), KEYS_PREFIX)):
        for folder in sorted(parent.glob(f"{prefix}*")):
            try:
                created = datetime.strptime(folder.name.removeprefix(prefix), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            except ValueError:
                continue  # not a set this command wrote
            if created < cutoff:
                shutil.rmtree(folder)
                removed.append(folder)
    return removed
