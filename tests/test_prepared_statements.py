"""Which statements PostgreSQL may keep prepared (allie/core/database.py)."""

from __future__ import annotations

import pytest
from django.db import connection
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


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql"
    or not connection.settings_dict["OPTIONS"].get("prepare_threshold"),
    reason="PostgreSQL's prepared statements",
)
def test_the_ticket_lookup_by_reference_stays_prepared(desk, client):
    """A ticket page, and the API's ticket reads, look the ticket up by its unique reference with
    six joins: planning them cost ten times running them, so the server keeps that one (and
    the SLA card's summary, by its key) prepared, and still plans the page's other reads for
    their values."""
    from allie.tickets.services import open_ticket

    ticket = open_ticket(requester=desk.alice, title="Écran noir")
    client.force_login(desk.person("agathe"))
    for _ in range(6):  # psycopg prepares a statement at its fifth run in a connection
        assert client.get(f"/desk/tickets/{ticket.reference}/").status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert [text for text in prepared if 'FROM "tickets_ticket"' in text and "UPPER(" in text]
    assert [text for text in prepared if 'FROM "sla_ticketsla"' in text]  # the SLA card's, by key
    assert not [text for text in prepared if "tickets_timelineevent" in text]
