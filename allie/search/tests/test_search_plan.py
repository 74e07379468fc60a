"""The windowed search reads the words and the recency buckets in one GIN scan (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from allie.search.services import search_tickets, searching

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the recency index exists on PostgreSQL only"
)


def test_an_agents_search_intersects_words_and_buckets_inside_the_index(desk, make):
    for number in range(3):
        make("alice", title=f"Imprimante {number}")
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert search_tickets(desk.person("agathe"), "imprimante").total == 3
    sql, params = next(item for item in statements if "WITH candidates" in item[0])

    with connection.cursor() as cursor:
        cursor.execute(searching.PLANNER_SET)
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: show what can serve
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(searching.PLANNER_RESET)

    assert "search_entry_recent_document" in plan
    assert "Gather" not in plan
    assert "Hash" not in plan


def test_the_index_holds_the_same_buckets_the_search_asks_for(db):
    # The search writes `(ticket_id / RECENCY_BUCKET) = ANY(...)`: PostgreSQL uses the index for
    # it only if the index's expression is the same (on a large table, see docs/search.md).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'search_entry_recent_document'"
        )
        (definition,) = cursor.fetchone()
    assert f"USING gin (((ticket_id / {searching.RECENCY_BUCKET})), document)" in definition


def test_new_entries_wait_in_a_short_pending_list(db):
    # Every search reads the GIN index's pending list through: merged at 256 kB, not 4 MB.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'search_entry_recent_document'"
        )
        (options,) = cursor.fetchone()
    assert "gin_pending_list_limit=256" in options
