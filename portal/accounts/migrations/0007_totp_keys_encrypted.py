"""Move every authenticator app from django-otp's TOTP table, where its key is in clear, to accounts.TOTPDevice,
where the key is encrypted; the clear rows are deleted. Reversible: the way back decrypts them into the old table.

Sessions verified with a moved device ask for a code again (their device id named the old table).
"""

from django.db import migrations

COPIED = ["name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count", "last_used_at", "step",
          "t0", "digits", "tolerance", "drift", "last_t"]


def _move(source, target, using):
    for device in source.objects.using(using).order_by("pk"):
        moved = target.objects.using(using).create(
            user_id=device.user_id, key=device.key, **{name: getattr(device, name) for name in COPIED})
        # created_at is set on insert (auto_now_add); keep the enrolment date.
        target.objects.using(using).filter(pk=moved.pk).update(created_at=device.created_at)
    source.objects.using(using).all().delete()


def encrypt_keys(apps, schema_editor):
    _move(apps.get_model("otp_totp", "TOTPDevice"), apps.get_model("accounts", "TOTPDevice"),
          schema_editor.connection.alias)


def decrypt_keys(apps, schema_editor):
    _move(apps.get_model("accounts", "TOTPDevice"), apps.get_model("otp_totp", "TOTPDevice"),
          schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_totp_device_encrypted"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RunPython(encrypt_keys, decrypt_keys, elidable=False),
    ]
