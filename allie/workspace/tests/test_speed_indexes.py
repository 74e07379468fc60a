"""The indexes of tickets migration 0003 serve the queries they were made for (PostgreSQL)."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from allie.accounts.models import Team
from allie.demo.volume import create_base, seed_tickets
from allie.tickets import selectors
from allie.tickets.models import OPEN_STATUSES, Ticket

migration = importlib.import_module("allie.tickets.migrations.0003_ticket_speed_indexes")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes exist on PostgreSQL only"
)


def test_the_partial_index_holds_exactly_the_open_statuses():
    listed = {part.strip().strip("'") for part in migration.OPEN.split(",")}
    assert listed == {str(status) for status in OPEN_STATUSES}


def _plan(queryset, index: str) -> str:
    """The plan of `queryset` when `index` competes only with reading the whole table.

    A test database is tiny and never vacuumed, so the planner's choice among similar indexes
    is a coin toss there. Inside the test's transaction (rolled back after it), the other
    non-unique indexes of the ticket table are dropped and the sequential scan is forbidden:
    the plan then shows whether this index can serve the query (its columns, expression and
    condition match), which is what the large table's plans in docs/performance.md rely on.
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text FROM pg_index"
            " WHERE indrelid = 'tickets_ticket'::regclass"
            " AND NOT indisunique AND NOT indisprimary AND indexrelid::regclass::text <> %s",
            [index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgresql_only
def test_a_ticket_is_found_by_reference_in_any_case_through_its_index(desk, open_for):
    ticket = open_for()
    agathe = desk.person("agathe")
    lookup = Ticket.objects.visible_to(agathe).filter(reference__iexact=ticket.reference.lower())

    plan = _plan(lookup, "ticket_reference_upper")
    # An index scan ("using") or, with other statistics, a bitmap index scan ("on").
    assert "using ticket_reference_upper" in plan or " on ticket_reference_upper" in plan
    assert selectors.get_visible_ticket(agathe, ticket.reference.lower()) == ticket


@postgresql_only
def test_the_teams_queue_counts_and_lists_from_the_open_tickets_index(db):
    # Enough tickets of the realistic mix (most closed) for the planner to weigh the indexes.
    create_base(organisations=3, teams=2, agents=4, requesters=40)
    seed_tickets(1500)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    lead = Team.objects.order_by("pk").first().lead
    tickets = selectors.queue(
        lead, "teams", now=timezone.now(), needs_owner_after=timedelta(minutes=30)
    )

    count_plan = _plan(tickets.order_by().values("pk"), "ticket_open_by_team")
    # On the vacuumed large table, an index-only scan (docs/performance.md); here, any scan.
    assert " on ticket_open_by_team" in count_plan or "using ticket_open_by_team" in count_plan
    page_plan = _plan(tickets[:25], "ticket_open_by_team")
    assert "using ticket_open_by_team" in page_plan
    assert 0 < tickets.count() < 1500
