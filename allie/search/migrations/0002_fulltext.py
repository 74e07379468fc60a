"""Full-text structures beside the entry table, per database (see docs/search.md).

PostgreSQL: the `unaccent` extension, two text search configurations (`allie_fr`, `allie_en`:
French and English stemming after unaccent), a generated `document` tsvector column weighted
A (reference, title), B (requester), C (description), D (public replies), and its GIN index.
SQLite: an FTS5 table over the entry table's columns (accents removed by the tokenizer), kept
in step by triggers, so a write to the entry is a write to the index in the same transaction.
"""

from __future__ import annotations

from django.db import migrations

TABLE = "search_ticketsearchentry"
FTS = "search_ticketsearchentry_fts"
COLUMNS = ("reference", "title", "description", "replies", "requester_name")

POSTGRES_CONFIGS = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'allie_fr') THEN
    CREATE TEXT SEARCH CONFIGURATION allie_fr (COPY = french);
    ALTER TEXT SEARCH CONFIGURATION allie_fr
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'allie_en') THEN
    CREATE TEXT SEARCH CONFIGURATION allie_en (COPY = english);
    ALTER TEXT SEARCH CONFIGURATION allie_en
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
  END IF;
END
$$;
"""


def _vector(expression: str, weight: str) -> str:
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, {expression}), '{weight}')"
        for config in ("allie_fr", "allie_en")
    )


# The reference twice: as written ("D-000042" → d, -000042) and split ("d", "000042"),
# so both "D-000042" and "000042" find it.
POSTGRES_DOCUMENT = f"""
ALTER TABLE {TABLE} ADD COLUMN document tsvector GENERATED ALWAYS AS (
  {_vector("reference || ' ' || replace(reference, '-', ' ') || ' ' || title", "A")} ||
  {_vector("requester_name", "B")} ||
  {_vector("description", "C")} ||
  {_vector("replies", "D")}
) STORED;
CREATE INDEX search_entry_document ON {TABLE} USING gin (document);
"""

POSTGRES_REVERSE = f"""
DROP INDEX IF EXISTS search_entry_document;
ALTER TABLE {TABLE} DROP COLUMN IF EXISTS document;
DROP TEXT SEARCH CONFIGURATION IF EXISTS allie_fr;
DROP TEXT SEARCH CONFIGURATION IF EXISTS allie_en;
"""


def _sqlite_statements() -> list[str]:
    names = ", ".join(COLUMNS)
    new = ", ".join(f"new.{name}" for name in COLUMNS)
    old = ", ".join(f"old.{name}" for name in COLUMNS)
    # Our own constant names only: nothing here comes from input.
    delete_old = (
        f"INSERT INTO {FTS} ({FTS}, rowid, {names}) VALUES ('delete', old.ticket_id, {old});"  # noqa: E501, S608
    )
    insert_new = f"INSERT INTO {FTS} (rowid, {names}) VALUES (new.ticket_id, {new});"  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE {FTS} USING fts5({names}, content='{TABLE}', "
        "content_rowid='ticket_id', tokenize='unicode61 remove_diacritics 2', prefix='3')",
        f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN {insert_new} END",
        f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN {delete_old} END",
        f"CREATE TRIGGER {FTS}_update AFTER UPDATE ON {TABLE} BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')",  # noqa: S608
    ]


SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TABLE IF EXISTS {FTS}",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_CONFIGS)
        schema_editor.execute(POSTGRES_DOCUMENT)
    elif vendor == "sqlite":
        for statement in _sqlite_statements():
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
