"""The database itself refuses to change a case event (DESIGN.md rule 1).

PostgreSQL: a row trigger refuses UPDATE and DELETE. SQLite: a trigger refuses UPDATE;
DELETE stays possible at the SQL level because Django's test flush empties tables with DELETE
on SQLite — the model and queryset guards refuse it, and ``verify_ledger`` detects a missing
event through the case's pinned head (version and last hash).
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION jishi_caseevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'cases_caseevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER caseevent_append_only
    BEFORE UPDATE OR DELETE ON cases_caseevent
    FOR EACH ROW EXECUTE FUNCTION jishi_caseevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS caseevent_append_only ON cases_caseevent;
DROP FUNCTION IF EXISTS jishi_caseevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER caseevent_append_only BEFORE UPDATE ON cases_caseevent
BEGIN
    SELECT RAISE(ABORT, 'cases_caseevent is append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS caseevent_append_only;"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_ledger")]
    operations = [migrations.RunPython(forwards, backwards)]
