"""Which statements PostgreSQL may keep prepared (allie/core/database.py)."""

from __future__ import annotations

from psycopg import sql

from allie.core.database import may_prepare, prepared_lookups


def test_inserts_are_prepared_whatever_their_values():
    assert may_prepare('INSERT INTO "tickets_ticket" ("title") VALUES (%s) RETURNING "id"')
    assert may_prepare(b"  insert into t values (%s)")


def test_reads_updates_and_deletes_are_planned_for_their_values():
    for statement in (
        'SELECT "id" FROM "tickets_ticket" WHERE "status" = %s',
        'UPDATE "tickets_ticket" SET "status" = %s WHERE "id" = %s',
        'DELETE FROM "sla_deadline" WHERE "ticket_id" = %s',
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "SAVEPOINT s1",
    ):
        assert not may_prepare(statement)


def test_a_lookup_by_unique_key_is_prepared_only_inside_prepared_lookups():
    lookup = 'SELECT "id" FROM "accounts_apitoken" WHERE "digest" = %s'
    with prepared_lookups():
        assert may_prepare(lookup)
        assert not may_prepare('UPDATE "accounts_apitoken" SET "last_used_at" = %s')
    assert not may_prepare(lookup)


def test_a_composed_statement_is_never_prepared():
    assert not may_prepare(sql.SQL("INSERT INTO {} VALUES (1)").format(sql.Identifier("t")))
