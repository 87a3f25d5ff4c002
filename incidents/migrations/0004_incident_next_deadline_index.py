from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0003_incident_next_deadline_at"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="incident",
            index=models.Index(fields=["next_deadline_at"], name="incident_next_deadline_idx"),
        ),
    ]
