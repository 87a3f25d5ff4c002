"""TOTP keys are encrypted at rest, bound to their owner, covered by key rotation, and django-otp still verifies."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django_otp import devices_for_user, match_token
from django_otp.oath import totp

from portal.accounts.models import TOTPDevice
from portal.accounts.roles import Role
from portal.security.errors import CryptoError
from portal.security.services import encrypted_data_reencrypt, keyring_retire_key, keyring_rotate
from tests.accounts.conftest import totp_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

CLEAR_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test key, hex


def stored_key(device) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_totpdevice WHERE id = %s", [device.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def own_keyring(settings, tmp_path):
    settings.ANNEX_KEYRING_FILE = tmp_path / "keyring.json"
    return settings.ANNEX_KEYRING_FILE


@pytest.mark.django_db
def test_the_database_holds_only_ciphertext_of_the_key():
    device = TOTPDevice.objects.create(user=UserFactory(), name="Phone", key=CLEAR_KEY)
    stored = stored_key(device)
    assert CLEAR_KEY not in stored and stored.startswith("QU5Y")  # base64 of the "ANX" envelope
    assert TOTPDevice.objects.get(pk=device.pk).key == CLEAR_KEY


@pytest.mark.django_db
def test_django_otp_verifies_a_code_and_refuses_its_replay():
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    assert [d.persistent_id for d in devices_for_user(user)] == [device.persistent_id]
    code = totp_code(device)
    assert match_token(user, code) == device
    assert match_token(user, code) is None  # the same time step is not accepted twice
    assert stored_key(device) == stored_key(TOTPDevice.objects.get(pk=device.pk))


@pytest.mark.django_db
def test_a_key_copied_into_another_persons_device_does_not_open():
    mine = TOTPDevice.objects.create(user=UserFactory(), name="Mine")
    theirs = TOTPDevice.objects.create(user=UserFactory(), name="Theirs")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_totpdevice SET key = %s WHERE id = %s", [stored_key(mine), theirs.pk])
    with pytest.raises(CryptoError):
        TOTPDevice.objects.get(pk=theirs.pk).key  # noqa: B018 - reading decrypts


@pytest.mark.django_db
def test_enrolment_through_the_pages_stores_the_key_encrypted(client):
    user = UserFactory(roles=[Role.EMPLOYEE])
    client.post(reverse("accounts:login"), {"username": user.email, "password": DEFAULT_PASSWORD})
    page = client.get(reverse("accounts:mfa_enrol"))
    device = user.totp_devices.get()
    response = client.post(reverse("accounts:mfa_enrol"), {"code": totp_code(device)})
    assert response.status_code == 200 and response.context["codes"]  # the first enrolment shows backup codes
    device.refresh_from_db()
    assert device.confirmed
    assert device.key not in stored_key(device) and page.context["secret"] not in stored_key(device)
    from django_otp.plugins.otp_totp.models import TOTPDevice as ClearTOTPDevice

    assert not ClearTOTPDevice.objects.exists()


@pytest.mark.django_db
def test_key_rotation_reencrypts_the_keys_and_the_old_key_can_then_be_retired(own_keyring):
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    old_ciphertext = stored_key(device)
    before = TOTPDevice._meta.get_field("key").stored_value(TOTPDevice.objects.get(pk=device.pk)).key_id
    new_key_id = keyring_rotate()
    report = encrypted_data_reencrypt()
    assert report.reencrypted["accounts.totpdevice"] == 1
    reloaded = TOTPDevice.objects.get(pk=device.pk)
    assert TOTPDevice._meta.get_field("key").stored_value(reloaded).key_id == new_key_id != before
    assert stored_key(device) != old_ciphertext
    keyring_retire_key(key_id=before)
    assert match_token(user, totp_code(reloaded)) == reloaded


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_keys_kept_in_clear_and_deletes_them():
    before = [("accounts", "0005_language_and_time_zone"), ("otp_totp", "0003_add_timestamps")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("accounts", "User").objects.create(email="old@annex.test", full_name="Old Phone")
    old.get_model("otp_totp", "TOTPDevice").objects.create(user=user, name="Old phone", key=CLEAR_KEY,
                                                           confirmed=True, last_t=5, drift=1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django_otp.plugins.otp_totp.models import TOTPDevice as ClearTOTPDevice

    assert not ClearTOTPDevice.objects.exists()
    device = TOTPDevice.objects.get(user_id=user.pk)
    assert (device.name, device.confirmed, device.last_t, device.drift) == ("Old phone", True, 5, 1)
    assert device.key == CLEAR_KEY and CLEAR_KEY not in stored_key(device)
    code = f"{totp(device.bin_key, step=30, drift=0):06d}"
    assert device.verify_token(code)

    # And back: the way down puts the keys where the older release reads them.
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0006_totp_device_encrypted")])
    rows = MigrationExecutor(connection).loader.project_state(
        [("accounts", "0006_totp_device_encrypted"), ("otp_totp", "0003_add_timestamps")]).apps
    assert rows.get_model("otp_totp", "TOTPDevice").objects.get(user_id=user.pk).key == CLEAR_KEY
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
