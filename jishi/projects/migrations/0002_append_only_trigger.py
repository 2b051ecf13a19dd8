"""The database itself refuses to change a project event, as for a case's events
(``cases/migrations/0002_append_only_trigger.py``): PostgreSQL refuses UPDATE and DELETE,
SQLite refuses UPDATE (Django's test flush deletes rows with DELETE on SQLite; the model and
queryset guards refuse it, and ``verify_ledger`` notices a missing event by the head)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION jishi_projectevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'projects_projectevent is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER projectevent_append_only
    BEFORE UPDATE OR DELETE ON projects_projectevent
    FOR EACH ROW EXECUTE FUNCTION jishi_projectevent_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS projectevent_append_only ON projects_projectevent;
DROP FUNCTION IF EXISTS jishi_projectevent_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER projectevent_append_only BEFORE UPDATE ON projects_projectevent
BEGIN
    SELECT RAISE(ABORT, 'projects_projectevent is append-only: UPDATE refused');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS projectevent_append_only;"


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
    dependencies = [("projects", "0001_projects_lists_rounds_orders_inspections")]
    operations = [migrations.RunPython(forwards, backwards)]
