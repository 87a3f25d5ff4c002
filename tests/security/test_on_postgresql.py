"""The encrypted fields and re-encryption on PostgreSQL (stage 2 of make test)."""

import pytest
from django.db import connection

from portal.security.services import encrypted_data_reencrypt, keyring_rotate
from portal.security.storage import file_key_id, read_decrypted, store_encrypted_bytes

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_encrypted_fields_round_trip_and_the_column_holds_ciphertext(secret_note_model):
    assert connection.vendor == "postgresql"
    note = secret_note_model.objects.create(body="Erika Musterfrau, IBAN DE02...", details={"ids": [1, 2]})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body, details FROM {secret_note_model._meta.db_table} WHERE id = %s", [note.pk])
        body, details = cursor.fetchone()
    assert "Musterfrau" not in body and "ids" not in details
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert (loaded.body, loaded.details) == ("Erika Musterfrau, IBAN DE02...", {"ids": [1, 2]})


def test_reencryption_after_rotation_on_postgresql(secret_note_model, provider):
    note = secret_note_model(body="before rotation")
    stored = store_encrypted_bytes(b"attachment", purpose=f"note-file:{note.public_id}")
    note.file_path = stored.path
    note.save()
    keyring_rotate()
    report = encrypted_data_reencrypt()
    assert report.total_reencrypted == 2
    loaded = secret_note_model.objects.get(pk=note.pk)
    assert loaded.__dict__["body"].key_id == "k2" and loaded.body == "before rotation"
    assert file_key_id(loaded.file_path) == loaded.file_key_id == "k2"
    assert read_decrypted(loaded.file_path, purpose=f"note-file:{loaded.public_id}") == b"attachment"
