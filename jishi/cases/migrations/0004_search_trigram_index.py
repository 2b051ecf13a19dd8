"""On PostgreSQL, a trigram index makes ``search_text LIKE '%…%'`` an index scan, which keeps
ledger search fast at a million cases. SQLite scans; at a county's size that is fast enough."""

from django.db import migrations

PG_UP = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (search_text gin_trgm_ops);
"""
PG_DOWN = "DROP INDEX IF EXISTS case_search_trgm;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_case_search_text")]
    operations = [migrations.RunPython(forwards, backwards)]
