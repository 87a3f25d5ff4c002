import pytest

from portal.retention.models import RetentionPolicy


@pytest.fixture(autouse=True)
def private_file_store(settings, tmp_path):
    """Each test gets its own keyring and encrypted file store."""
    settings.ANNEX_KEYRING_FILE = tmp_path / "keys" / "keyring.json"
    settings.ANNEX_ENCRYPTED_FILES_DIR = tmp_path / "encrypted"
    return settings.ANNEX_ENCRYPTED_FILES_DIR


@pytest.fixture
def policy(db):
    """policy(key, months, action="delete") -> a register entry the targets bound to `key` follow."""

    def make(key: str, months: int, action: str = "delete", **fields) -> RetentionPolicy:
        defaults = {"data_category": key, "system": "Annex database", "purpose": "Testing retention",
                    "legal_basis": "Art. 6(1)(f) GDPR", "counts_from": "creation"}
        defaults.update(fields)
        return RetentionPolicy.objects.create(key=key, period_months=months, action=action, **defaults)

    return make
