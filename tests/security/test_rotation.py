import io

import pytest
from django.core.management import CommandError, call_command

from portal.audit.models import AuditAction, AuditEvent
from portal.security.errors import KeyringError
from portal.security.keys import get_key_provider
from portal.security.services import encrypted_data_reencrypt, keyring_retire_key, keyring_rotate
from portal.security.storage import encrypted_files_root, file_key_id, read_decrypted, store_encrypted_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def note_with_file(model, text="incident notes"):
    note = model(body=text, details={"who": text})
    stored = store_encrypted_bytes(f"attachment for {text}".encode(), purpose=f"note-file:{note.public_id}")
    note.file_path, note.file_key_id = stored.path, stored.key_id
    note.save()
    return note


def test_rotate_keys_adds_a_current_key_and_records_an_audit_event(provider):
    provider.current_key()
    output = run("rotate_keys")
    assert "Key k2 added and made current" in output
    assert get_key_provider().current_key()[0] == "k2"
    event = AuditEvent.objects.get(action=AuditAction.ENCRYPTION_KEY_ADDED)
    assert event.target_id == "k2"
    assert event.changes == {"current_key_id": {"before": "k1", "after": "k2"}}


def test_rotate_keys_dry_run_changes_nothing(provider):
    provider.current_key()
    assert "Current key: k1" in run("rotate_keys", "--dry-run")
    assert provider.key_ids() == ["k1"]
    assert not AuditEvent.objects.filter(action=AuditAction.ENCRYPTION_KEY_ADDED).exists()


def test_reencrypt_moves_fields_and_files_to_the_current_key(secret_note_model, provider):
    notes = [note_with_file(secret_note_model, f"note {i}") for i in range(3)]
    keyring_rotate()
    output = run("reencrypt")
    assert "Re-encrypted 9 value(s) or file(s)" in output  # 3 rows x (body, details, file)
    for note in notes:
        loaded = secret_note_model.objects.get(pk=note.pk)
        assert loaded.__dict__["body"].key_id == "k2"
        assert loaded.__dict__["details"].key_id == "k2"
        assert loaded.body == note.body and loaded.details == note.details
        assert file_key_id(loaded.file_path) == loaded.file_key_id == "k2"
        assert read_decrypted(loaded.file_path, purpose=f"note-file:{loaded.public_id}") == (
            f"attachment for {note.body}".encode()
        )
    event = AuditEvent.objects.get(action=AuditAction.DATA_REENCRYPTED)
    assert event.changes["reencrypted"] == {"security.secretnote": 6, "security.secretnote.file": 3}


def test_reencrypt_dry_run_counts_by_key_and_changes_nothing(secret_note_model, provider):
    note = note_with_file(secret_note_model)
    keyring_rotate()
    output = run("reencrypt", "--dry-run")
    assert "security.secretnote: k1: 2" in output
    assert "security.secretnote.file: k1: 1" in output
    assert "Dry run: 3 value(s) or file(s) on older keys" in output
    assert secret_note_model.objects.get(pk=note.pk).__dict__["body"].key_id == "k1"
    assert file_key_id(note.file_path) == "k1"
    assert not AuditEvent.objects.filter(action=AuditAction.DATA_REENCRYPTED).exists()


def test_reencrypt_twice_does_nothing_the_second_time(secret_note_model, provider):
    note_with_file(secret_note_model)
    keyring_rotate()
    encrypted_data_reencrypt()
    assert encrypted_data_reencrypt().total_reencrypted == 0


def test_reencrypt_reports_damaged_values_and_carries_on(secret_note_model, provider):
    damaged = note_with_file(secret_note_model, "damaged")
    healthy = note_with_file(secret_note_model, "healthy")
    path = encrypted_files_root() / damaged.file_path
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x01
    path.write_bytes(bytes(data))
    keyring_rotate()
    with pytest.raises(CommandError, match="1 value"):
        run("reencrypt")
    assert file_key_id(healthy.file_path) == "k2"
    assert file_key_id(damaged.file_path) == "k1"


def test_retiring_a_key_still_in_use_is_refused(secret_note_model, provider):
    note_with_file(secret_note_model)
    keyring_rotate()
    with pytest.raises(CommandError, match=r"still in use \(security.secretnote: 2, security.secretnote.file: 1\)"):
        run("retire_key", "k1")
    assert "k1" in provider.key_ids()


def test_retiring_the_current_key_is_refused(provider):
    provider.current_key()
    with pytest.raises(KeyringError, match="current key"):
        keyring_retire_key(key_id="k1")


def test_full_rotation_rotate_reencrypt_retire(secret_note_model, provider):
    note = note_with_file(secret_note_model, "survives the rotation")
    run("rotate_keys")
    run("reencrypt")
    assert "could be retired" in run("retire_key", "k1", "--dry-run")
    assert "k1" in provider.key_ids()
    assert "Key k1 retired" in run("retire_key", "k1")
    assert provider.key_ids() == ["k2"]
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert loaded.body == "survives the rotation"
    assert read_decrypted(loaded.file_path, purpose=f"note-file:{loaded.public_id}") == (
        b"attachment for survives the rotation"
    )
    assert AuditEvent.objects.filter(action=AuditAction.ENCRYPTION_KEY_RETIRED, target_id="k1").count() == 1


def test_retiring_is_refused_while_a_stored_file_is_missing(secret_note_model, provider):
    note = note_with_file(secret_note_model)
    run("rotate_keys")
    run("reencrypt")
    (encrypted_files_root() / note.file_path).unlink()
    with pytest.raises(CommandError, match="cannot be shown to be unused"):
        run("retire_key", "k1")


def test_a_row_rewritten_during_reencryption_is_not_overwritten(secret_note_model, provider, monkeypatch):
    note = secret_note_model.objects.create(body="original")
    keyring_rotate()
    from portal.security import fields

    original_seal = fields.EncryptedFieldMixin.seal
    portal_wrote = []

    def seal_while_the_portal_writes(self, instance, value):
        # The portal saves a new value between re-encryption's read and its write.
        if not portal_wrote:
            portal_wrote.append(True)
            fresh = secret_note_model.objects.get(pk=note.pk)
            fresh.body = "edited meanwhile"
            fresh.save(update_fields=["body"])
        return original_seal(self, instance, value)

    monkeypatch.setattr(fields.EncryptedFieldMixin, "seal", seal_while_the_portal_writes)
    report = encrypted_data_reencrypt()
    monkeypatch.undo()
    assert report.changed_meanwhile["security.secretnote"] == 1
    assert secret_note_model.objects.get(pk=note.pk).body == "edited meanwhile"


def test_a_provider_that_rotates_outside_annex_is_not_rotated_here(settings):
    settings.ANNEX_KEY_PROVIDER = "tests.security.test_keys.FixedKeyProvider"
    with pytest.raises(CommandError, match="manages its keys outside Annex"):
        run("rotate_keys")
    assert not AuditEvent.objects.filter(action=AuditAction.ENCRYPTION_KEY_ADDED).exists()
