"""On PostgreSQL, refuse TRUNCATE on audit events as well: a statement-level trigger, as UPDATE and DELETE are refused.

Whoever owns the table can still drop the trigger; docs/deployment.md runs the web and worker processes under a
role that does not own the tables. What no role can do without the key provider is re-chain the events.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION audit_auditevent_no_truncate() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only (TRUNCATE refused on audit_auditevent)',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_auditevent_no_truncate
        BEFORE TRUNCATE ON audit_auditevent
        FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_no_truncate()
    """,
]

DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_auditevent_no_truncate()",
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
        ("audit", "0005_chain_keyed"),
    ]

    operations = [
        migrations.RunPython(install, remove, elidable=False),
    ]
