"""Ledger search on PostgreSQL: a GIN index over the character bigrams of ``search_text``.

Chinese queries are mostly two characters (路灯, 噪音, 停车); a trigram index cannot serve a
two-character ``LIKE '%…%'``, so such a search read the whole table. Every query of two or
more characters is a set of bigrams the matching rows must all contain: the index finds the
candidates and ``LIKE`` keeps those where the characters are contiguous. The trigram index
this replaces is dropped (the bigram index serves everything it served). SQLite scans.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION jishi_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
  FROM generate_series(1, char_length(t) - 1) AS i
$$;
CREATE INDEX IF NOT EXISTS case_search_bigram ON cases_case USING gin (jishi_bigrams(search_text));
DROP INDEX IF EXISTS case_search_trgm;
"""
PG_DOWN = """
CREATE INDEX IF NOT EXISTS case_search_trgm ON cases_case USING gin (search_text gin_trgm_ops);
DROP INDEX IF EXISTS case_search_bigram;
DROP FUNCTION IF EXISTS jishi_bigrams(text);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_timelimit_unique_on_sqlite")]
    operations = [migrations.RunPython(forwards, backwards)]
