import pytest


@pytest.fixture(autouse=True)
def private_file_store(settings, tmp_path):
    """Each test gets its own keyring and encrypted file store."""
    settings.ANNEX_KEYRING_FILE = tmp_path / "keys" / "keyring.json"
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    return settings.ANNEX_ENCRYPTED_FILES_DIR
