"""Backups: a manifest with the SHA-256 of every part, the key ring apart, refusals that change nothing, pruning,
and the check a restore ends with. The round trip on PostgreSQL is tests/integration/test_backup_restore.py."""

import hashlib
import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from controls.models import Evidence
from controls.services_evidence import evidence_add
from portal.accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.core.audit_actions import SystemAction
from portal.core.backup import BackupError, backup_make, backups_prune, read_checked
from portal.core.restore import backup_restore, installation_check
from portal.exports.models import AnnexVersion
from portal.exports.services import annex_publish
from tests.controls.factories import ControlFactory
from tests.exports.builders import done_job
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nAUDIT-REPORT-2026\n%%EOF\n"


@pytest.fixture(autouse=True)
def installation(settings, tmp_path):
    """A file store and key ring of the test's own; backups go to two other places."""
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "var" / "encrypted"
    settings.ANNEX_KEYRING_FILE = tmp_path / "var" / "keyring.json"
    return tmp_path


def _evidence_file(actor) -> Evidence:
    return evidence_add(control=ControlFactory(owner=actor), actor=actor, kind=Evidence.Kind.FILE, title="Audit report",
                        upload=io.BytesIO(PDF), filename="audit.pdf")


def _sets(tmp_path):
    return backup_make(output=tmp_path / "backups", keys_output=tmp_path / "vault")


@pytest.mark.django_db(transaction=True)
def test_a_backup_lists_every_part_with_its_sha256_and_keeps_the_key_ring_apart(tmp_path):
    _evidence_file(UserFactory(roles=[Role.DPO]))

    sets = _sets(tmp_path)

    manifest = json.loads((sets.data / "manifest.json").read_text())
    assert set(manifest["parts"]) == {"database.sqlite3", "files.tar"}
    for name, part in manifest["parts"].items():
        data = (sets.data / name).read_bytes()
        assert part == {**part, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert manifest["parts"]["files.tar"]["files"] == 1
    keys = json.loads((sets.keys / "manifest.json").read_text())
    keyring = Path(settings.ANNEX_KEYRING_FILE).read_bytes()
    assert (sets.keys / "keyring.json").read_bytes() == keyring
    assert keys["parts"]["keyring.json"]["sha256"] == manifest["keys"]["keyring_sha256"] == (
        hashlib.sha256(keyring).hexdigest())
    assert keys["backup"] == sets.data.name and manifest["keys"]["name"] == sets.keys.name
    # Nothing that unlocks the data is in the data set, and every part is readable by its owner only.
    key = json.loads(keyring)["keys"]["k1"].encode()
    assert not any(key in path.read_bytes() for path in sets.data.iterdir())
    assert {oct(path.stat().st_mode & 0o777) for path in [*sets.data.iterdir(), *sets.keys.iterdir()]} == {"0o600"}
    assert AuditEvent.objects.filter(action=SystemAction.BACKUP_MADE, target_label=sets.data.name).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("keys_under", ["backups", "backups/keys", "."])
def test_the_key_ring_is_never_written_beside_the_data(tmp_path, keys_under):
    with pytest.raises(BackupError, match="never beside the data"):
        backup_make(output=tmp_path / "backups", keys_output=tmp_path / keys_under)
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())
    assert not AuditEvent.objects.filter(action=SystemAction.BACKUP_MADE).exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_into_the_file_store_itself_is_refused(tmp_path):
    with pytest.raises(BackupError, match="inside the encrypted file store"):
        backup_make(output=Path(settings.ANNEX_ENCRYPTED_FILES_DIR) / "backups", keys_output=tmp_path / "vault")


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_an_altered_part_before_it_changes_anything(tmp_path):
    sets = _sets(tmp_path)
    archive = sets.data / "files.tar"
    archive.write_bytes(archive.read_bytes() + b"\0")
    tables_before = AuditEvent.objects.count()

    with pytest.raises(BackupError, match=r"part files\.tar does not match its SHA-256"):
        backup_restore(data=sets.data, keys=sets.keys)
    (sets.keys / "keyring.json").unlink()
    with pytest.raises(BackupError, match=r"part keyring\.json is missing"):
        read_checked(sets.keys, kind="annex-keys")
    assert AuditEvent.objects.count() == tables_before


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_key_set_of_another_backup_and_a_database_that_holds_data(tmp_path):
    first = _sets(tmp_path)
    other = backup_make(output=tmp_path / "backups", keys_output=tmp_path / "vault",
                        now=datetime.now(UTC) + timedelta(seconds=5))

    with pytest.raises(BackupError, match=f"belongs to {other.data.name}, not to {first.data.name}"):
        backup_restore(data=first.data, keys=other.keys)
    with pytest.raises(BackupError, match="has tables already"):
        backup_restore(data=first.data, keys=first.keys)


@pytest.mark.django_db(transaction=True)
def test_pruning_deletes_the_sets_older_than_the_retention_in_both_destinations(tmp_path):
    now = datetime.now(UTC)
    old = backup_make(output=tmp_path / "backups", keys_output=tmp_path / "vault", now=now - timedelta(days=36))
    kept = backup_make(output=tmp_path / "backups", keys_output=tmp_path / "vault", now=now - timedelta(days=34))
    (tmp_path / "backups" / "annex-backup-notes").mkdir()

    removed = backups_prune(output=tmp_path / "backups", keys_output=tmp_path / "vault", keep_days=35, now=now)

    assert sorted(removed) == sorted([old.data, old.keys])
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(["annex-backup-notes", kept.data.name])
    assert [p.name for p in (tmp_path / "vault").iterdir()] == [kept.keys.name]


@pytest.mark.django_db(transaction=True)
def test_the_command_keeps_backups_for_the_period_deletion_certificates_state(tmp_path, settings):
    settings.BACKUP_RETENTION_DAYS = 35
    old = backup_make(output=tmp_path / "backups", keys_output=tmp_path / "vault",
                      now=datetime.now(UTC) - timedelta(days=40))
    out = io.StringIO()

    call_command("backup", "--output", str(tmp_path / "backups"), "--keys-output", str(tmp_path / "vault"), stdout=out)

    assert f"Deleted (older than 35 days): {old.data}" in out.getvalue()
    assert not old.data.exists() and not old.keys.exists()
    assert len(list((tmp_path / "backups").iterdir())) == len(list((tmp_path / "vault").iterdir())) == 1


@pytest.mark.django_db(transaction=True)
def test_the_installation_check_names_a_missing_file_a_changed_hash_and_a_changed_published_document():
    dpo = UserFactory(roles=[Role.DPO])
    evidence = _evidence_file(dpo)
    job = done_job(dpo)
    version = annex_publish(kind_name="controls.tom_annex", subject_key="", actor=dpo)
    intact = installation_check()
    assert intact.ok, intact.problems
    assert intact.files == {"controls.evidence": 1, "exports.exportjob": 1, "exports.annexversion": 1}
    assert intact.documents == 1 and intact.audit_events == AuditEvent.objects.count()

    Evidence.objects.filter(pk=evidence.pk).update(sha256="0" * 64)
    (Path(settings.ANNEX_ENCRYPTED_FILES_DIR) / job.file_path).unlink()
    AnnexVersion.objects.filter(pk=version.pk).update(snapshot={**version.snapshot, "title": "Something else"})
    problems = installation_check().problems

    assert sorted(problems) == sorted([
        f"controls.evidence {evidence.pk} ({evidence.file_path}): decrypts to another SHA-256 than the one recorded",
        f"exports.exportjob {job.pk} ({job.file_path}): the file is missing",
        f"published {version}: its content no longer matches its fingerprint",
    ])


@pytest.mark.django_db(transaction=True)
def test_a_backup_of_the_embedded_database_restores_into_a_new_installation_and_verifies(tmp_path):
    dpo = UserFactory(roles=[Role.DPO])
    _evidence_file(dpo)
    annex_publish(kind_name="controls.tom_annex", subject_key="", actor=dpo)
    sets = _sets(tmp_path)

    target = tmp_path / "restored"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "ANNEX_VAR_DIR"}}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", ANNEX_VAR_DIR=str(target),
               DATABASE_URL=f"sqlite:///{target / 'annex.sqlite3'}")
    target.mkdir()
    result = subprocess.run([sys.executable, "manage.py", "restore", "--input", str(sets.data),
                             "--keys-input", str(sets.keys)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "controls.evidence 1, exports.annexversion 1." in result.stdout
    assert "Published documents verified: 1." in result.stdout and "Everything verifies." in result.stdout
    assert (target / "keyring.json").read_bytes() == Path(settings.ANNEX_KEYRING_FILE).read_bytes()
