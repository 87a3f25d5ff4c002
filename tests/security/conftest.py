import uuid

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from portal.security import registry
from portal.security.fields import EncryptedJSONField, EncryptedTextField
from portal.security.keys import get_key_provider


@pytest.fixture(autouse=True)
def private_keyring(settings, tmp_path):
    """Every test gets its own keyring and file store (changing the settings resets the provider)."""
    settings.ANNEX_KEYRING_FILE = tmp_path / "keys" / "keyring.json"
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    return settings.ANNEX_KEYRING_FILE


@pytest.fixture
def provider(private_keyring):
    return get_key_provider()


@pytest.fixture
def secret_note_model(transactional_db):
    """A throwaway model with encrypted fields, its table created for the test and registered for re-encryption."""
    with isolate_apps("portal.security"):

        class SecretNote(models.Model):
            public_id = models.UUIDField(default=uuid.uuid4, unique=True)
            body = EncryptedTextField(bind_to="public_id")
            details = EncryptedJSONField(null=True, blank=True)
            file_path = models.CharField(max_length=200, blank=True)
            file_key_id = models.CharField(max_length=128, blank=True)

            class Meta:
                app_label = "security"

        with connection.schema_editor() as editor:
            editor.create_model(SecretNote)
        registry.register_encrypted_fields(SecretNote, "body", "details")
        registry.register_encrypted_files(
            label="security.secretnote.file",
            model=SecretNote,
            path_field="file_path",
            purpose=lambda note: f"note-file:{note.public_id}",
            key_id_field="file_key_id",
        )
        try:
            yield SecretNote
        finally:
            registry.unregister(SecretNote._meta.label_lower)
            registry.unregister("security.secretnote.file")
            with connection.schema_editor() as editor:
                editor.delete_model(SecretNote)
