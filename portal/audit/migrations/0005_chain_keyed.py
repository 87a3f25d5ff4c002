"""The audit chain is keyed: each event names the key of its HMAC link; the head remembers where keying began."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_delete_sealed_prefix_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditchainhead',
            name='keyed_from_seq',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='mac_key_id',
            field=models.CharField(blank=True, default='', max_length=128),
        ),
    ]
