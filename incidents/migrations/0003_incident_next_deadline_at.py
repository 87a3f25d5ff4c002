"""Incident.next_deadline_at: each case's nearest open deadline, kept by the obligation services, filled here for
the cases that exist."""

from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def fill(apps, schema_editor):
    Incident, Obligation = apps.get_model("incidents", "Incident"), apps.get_model("incidents", "Obligation")
    nearest = (Obligation.objects.filter(incident=OuterRef("pk"), status="open").order_by()
               .values("incident").annotate(nearest=Min("deadline_at")).values("nearest"))
    Incident.objects.update(next_deadline_at=Subquery(nearest))


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0002_timeline_entry_message"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="next_deadline_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
