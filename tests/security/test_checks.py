from django.db import models
from django.test.utils import isolate_apps

from portal.security import checks
from portal.security.fields import EncryptedTextField
from portal.security.registry import register_encrypted_fields, unregister, unregistered_encrypted_fields


@isolate_apps("portal.security")
def test_an_encrypted_field_that_is_not_registered_is_reported():
    class Diary(models.Model):
        entry = EncryptedTextField()
        summary = EncryptedTextField()

        class Meta:
            app_label = "security"

    assert unregistered_encrypted_fields([Diary]) == ["security.Diary.entry", "security.Diary.summary"]
    register_encrypted_fields(Diary, "entry")
    try:
        assert unregistered_encrypted_fields([Diary]) == ["security.Diary.summary"]
    finally:
        unregister("security.diary")


def test_the_installed_apps_register_every_encrypted_field():
    assert checks.check_encrypted_fields_registered(None) == []


def test_a_keyring_readable_by_others_fails_the_checks(provider, private_keyring):
    provider.current_key()
    assert checks.check_key_provider(None) == []
    private_keyring.chmod(0o640)
    assert [message.id for message in checks.check_key_provider(None)] == ["security.W001"]


def test_an_unimportable_provider_fails_the_checks(settings):
    settings.ANNEX_KEY_PROVIDER = "portal.security.keys.NoSuchProvider"
    assert [message.id for message in checks.check_key_provider(None)] == ["security.E001"]
