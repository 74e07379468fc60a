"""Search entries carry a copy of their ticket's scoping columns, kept in step by triggers;
on PostgreSQL the words' GIN index also holds each entry's recency bucket.

A search then checks who may see a match in the entry row it has already read (see
`allie.search.services.searching`). The copy is filled here for existing entries, written by
the indexing upsert for new ones, and follows any later change of the ticket's organisation,
requester or owner through an AFTER UPDATE trigger on the ticket table, whatever code (or SQL)
makes the change. The GIN index becomes one over (ticket_id / 10000, document) (`btree_gin`,
a trusted extension): a search intersects a word's rows with the latest buckets' inside the
index (`allie.search.services.searching.RECENCY_BUCKET`). On SQLite the full-text table's
update trigger now fires only when indexed text changes, so following an owner does not
rewrite the FTS5 row.
"""

from __future__ import annotations

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ENTRY, TICKET = "search_ticketsearchentry", "tickets_ticket"
FTS = f"{ENTRY}_fts"
SCOPE = ("organisation_id", "requester_id", "owner_id")
TEXT = ("reference", "title", "description", "replies", "requester_name")
_SET_FROM_NEW = ", ".join(f"{column} = NEW.{column}" for column in SCOPE)

POSTGRES_FORWARD = f"""
CREATE EXTENSION IF NOT EXISTS btree_gin;
DROP INDEX IF EXISTS search_entry_document;
UPDATE {ENTRY} e SET {", ".join(f"{column} = t.{column}" for column in SCOPE)}
FROM {TICKET} t WHERE t.id = e.ticket_id;
CREATE INDEX search_entry_recent_document ON {ENTRY} USING gin ((ticket_id / 10000), document);
CREATE FUNCTION search_entry_follow_ticket() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {ENTRY} SET {_SET_FROM_NEW} WHERE ticket_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER search_entry_follow_ticket
    AFTER UPDATE OF {", ".join(SCOPE)} ON {TICKET} FOR EACH ROW
    WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in SCOPE)})
    EXECUTE FUNCTION search_entry_follow_ticket();
"""  # noqa: S608 (our constant names only)
POSTGRES_REVERSE = f"""
CREATE INDEX IF NOT EXISTS search_entry_document ON {ENTRY} USING gin (document);
DROP INDEX IF EXISTS search_entry_recent_document;
DROP TRIGGER IF EXISTS search_entry_follow_ticket ON {TICKET};
DROP FUNCTION IF EXISTS search_entry_follow_ticket();
"""

_NAMES = ", ".join(TEXT)
_DELETE_OLD = (
    f"INSERT INTO {FTS} ({FTS}, rowid, {_NAMES}) "  # noqa: S608 (our constant names)
    f"VALUES ('delete', old.ticket_id, {', '.join(f'old.{c}' for c in TEXT)});"
)
_INSERT_NEW = (
    f"INSERT INTO {FTS} (rowid, {_NAMES}) "  # noqa: S608
    f"VALUES (new.ticket_id, {', '.join(f'new.{c}' for c in TEXT)});"
)


def _sqlite_fts_update_trigger(columns: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {FTS}_update",
        f"CREATE TRIGGER {FTS}_update AFTER UPDATE {columns}ON {ENTRY} "
        f"BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
    ]


_SCOPE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in SCOPE)
_SQLITE_FOLLOW = (
    f"CREATE TRIGGER search_entry_follow_ticket AFTER UPDATE OF {', '.join(SCOPE)} "  # noqa: S608
    f"ON {TICKET} WHEN {_SCOPE_CHANGED} "
    f"BEGIN UPDATE {ENTRY} SET {_SET_FROM_NEW} WHERE ticket_id = NEW.id; END"
)
SQLITE_FORWARD = [
    f"UPDATE {ENTRY} SET "  # noqa: S608
    + ", ".join(
        f"{c} = (SELECT t.{c} FROM {TICKET} t WHERE t.id = {ENTRY}.ticket_id)"  # noqa: S608
        for c in SCOPE
    ),
    *_sqlite_fts_update_trigger(f"OF {_NAMES} "),
    _SQLITE_FOLLOW,
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS search_entry_follow_ticket",
    *_sqlite_fts_update_trigger(""),
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_is_vip"),
        ("search", "0002_fulltext"),
        ("tickets", "0003_ticket_speed_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ticketsearchentry",
            name="organisation",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AddField(
            model_name="ticketsearchentry",
            name="owner",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="ticketsearchentry",
            name="requester",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
