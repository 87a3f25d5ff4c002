"""On PostgreSQL, let retention remove sealed audit events, and nothing else.

The append-only trigger still refuses every UPDATE and every DELETE, except a DELETE of an event at or
below the seq that the sealing transaction announced (SET LOCAL annex.audit_sealed_through) right after
appending the seal checkpoint (portal/audit/sealing.py). The setting lives only as long as that transaction.
"""

from django.db import migrations

SEALED_PREFIX = """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND OLD.seq <= COALESCE(NULLIF(current_setting('annex.audit_sealed_through', true), '')::bigint, 0) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on audit_auditevent)',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
"""

APPEND_ONLY = """
    CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only (' || TG_OP || ' refused on audit_auditevent)',
            ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
"""


def allow_sealed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEALED_PREFIX)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0003_append_only_trigger"),
    ]

    operations = [
        migrations.RunPython(allow_sealed, append_only, elidable=False),
    ]
