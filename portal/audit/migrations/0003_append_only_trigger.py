"""On PostgreSQL, refuse UPDATE and DELETE on audit events at the database itself.

SQLite has no such guard; there `verify_audit_trail` is what detects a changed row.
"""

from django.db import migrations

# One statement per execute(): the driver may prepare them. No "%" in the SQL for the same reason.
CREATE = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on audit_auditevent)',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_auditevent_append_only
        BEFORE UPDATE OR DELETE ON audit_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_auditevent_append_only()
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_append_only()",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0002_actor_protected"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
