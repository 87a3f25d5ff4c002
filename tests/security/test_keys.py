import base64
import json
import stat

import pytest

from portal.security.errors import KeyringError, UnknownKeyError
from portal.security.keys import KEY_BYTES, LocalKeyringProvider, get_key_provider, keyring_permission_problem


def test_the_keyring_is_created_on_first_use_with_owner_only_permissions(private_keyring):
    assert not private_keyring.exists()
    key_id, key = get_key_provider().current_key()
    assert key_id == "k1"
    assert len(key) == KEY_BYTES
    assert stat.S_IMODE(private_keyring.stat().st_mode) == 0o600
    data = json.loads(private_keyring.read_text())
    assert data["current"] == "k1"
    assert base64.b64decode(data["keys"]["k1"]) == key


def test_two_providers_on_the_same_file_share_the_first_key(private_keyring):
    first = LocalKeyringProvider(private_keyring).current_key()
    second = LocalKeyringProvider(private_keyring).current_key()
    assert first == second


def test_a_rotation_by_another_process_is_seen_without_restart(private_keyring):
    web = LocalKeyringProvider(private_keyring)
    old_id, _ = web.current_key()
    new_id = LocalKeyringProvider(private_keyring).add_key()  # e.g. manage.py rotate_keys
    assert new_id != old_id
    assert web.current_key()[0] == new_id
    assert web.key(old_id)


def test_new_keys_are_numbered_after_the_highest_id_ever_used(private_keyring):
    keys = LocalKeyringProvider(private_keyring)
    keys.current_key()
    assert keys.add_key() == "k2"
    keys.retire_key("k1")
    assert keys.add_key() == "k3"
    assert keys.key_ids() == ["k2", "k3"]


def test_an_unknown_key_id_is_a_clear_error(provider):
    with pytest.raises(UnknownKeyError, match="'k99' is not in the keyring"):
        provider.key("k99")


def test_a_retired_key_says_it_was_retired(provider):
    provider.add_key()
    provider.retire_key("k1")
    with pytest.raises(UnknownKeyError, match="retired"):
        provider.key("k1")


def test_the_current_key_cannot_be_retired(provider):
    with pytest.raises(KeyringError, match="current key"):
        provider.retire_key("k1")
    assert provider.key("k1")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"current": "k1", "keys": {}}', "expected"),
        ('{"current": "k1", "keys": {"k1": "!!!"}}', "not valid base64"),
        ('{"current": "k1", "keys": {"k1": "' + base64.b64encode(b"short").decode() + '"}}', "needs 32"),
        ('{"current": "k2", "keys": {"k1": "' + base64.b64encode(bytes(32)).decode() + '"}}', "current key 'k2'"),
        ('{"current": "a b", "keys": {"a b": "' + base64.b64encode(bytes(32)).decode() + '"}}', "key id"),
    ],
)
def test_a_damaged_keyring_is_refused_with_the_reason(private_keyring, content, message):
    private_keyring.parent.mkdir(parents=True)
    private_keyring.write_text(content)
    with pytest.raises(KeyringError, match=message):
        LocalKeyringProvider(private_keyring).current_key()


def test_the_provider_class_comes_from_settings(settings):
    settings.ANNEX_KEY_PROVIDER = "tests.security.test_keys.FixedKeyProvider"
    assert get_key_provider().current_key() == ("fixed", bytes(32))


def test_a_provider_path_that_does_not_import_is_a_clear_error(settings):
    settings.ANNEX_KEY_PROVIDER = "nowhere.Provider"
    with pytest.raises(KeyringError, match="cannot be imported"):
        get_key_provider()


def test_a_keyring_readable_by_others_is_reported(private_keyring, provider):
    provider.current_key()
    assert keyring_permission_problem(private_keyring) is None
    private_keyring.chmod(0o644)
    assert "0644" in keyring_permission_problem(private_keyring)


class FixedKeyProvider:
    """A provider held outside the keyring file, as an HSM- or KMS-backed one would be."""

    def current_key(self):
        return "fixed", bytes(32)

    def key(self, key_id):
        if key_id != "fixed":
            raise UnknownKeyError(key_id)
        return bytes(32)
