"""On PostgreSQL, the database itself keeps the audit trail append-only, whatever the client (raw SQL, psql, another
service): a trigger refuses every DELETE, and every UPDATE except removing an actor's identity
(``spinepath.web.audit.trail.forget_actor``: actor_id and ip_address set to NULL, identity_removed set, every
other column unchanged).

Every other column is compared as JSON (the row minus the three identity columns), so a column added later is
protected without changing the trigger. TRUNCATE fires no row trigger: test flushes keep working. Other
databases (SQLite in development) rely on the model's guards only.
"""

from django.db import migrations

TABLE = "spinepath_audit_auditevent"

CREATE = f"""
CREATE OR REPLACE FUNCTION spinepath_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.actor_id IS NULL
       AND NEW.ip_address IS NULL
       AND NEW.identity_removed
       AND (to_jsonb(NEW) - 'actor_id' - 'ip_address' - 'identity_removed')
           = (to_jsonb(OLD) - 'actor_id' - 'ip_address' - 'identity_removed')
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: % refused on {TABLE}', TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'The only change allowed is removing the identity (actor_id, ip_address) of a deleted account.';
END;
$$;

CREATE TRIGGER spinepath_audit_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION spinepath_audit_append_only();
"""

DROP = f"""
DROP TRIGGER IF EXISTS spinepath_audit_append_only ON {TABLE};
DROP FUNCTION IF EXISTS spinepath_audit_append_only();
"""


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):

    dependencies = [
        ("spinepath_audit", "0001_initial"),
    ]

    operations = [
        PostgreSQLOnly(CREATE, reverse_sql=DROP),
    ]
