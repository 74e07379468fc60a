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
from tests.plans import plan_with_only

migration = importlib.import_module("allie.tickets.migrations.0003_ticket_speed_indexes")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes exist on PostgreSQL only"
)


def test_the_partial_index_holds_exactly_the_open_statuses():
    listed = {part.strip().strip("'") for part in migration.OPEN.split(",")}
    assert listed == {str(status) for status in OPEN_STATUSES}


@postgresql_only
def test_a_ticket_is_found_by_reference_in_any_case_through_its_index(desk, open_for):
    ticket = open_for()
    agathe = desk.person("agathe")
    lookup = Ticket.objects.visible_to(agathe).filter(reference__iexact=ticket.reference.lower())

    plan = plan_with_only(lookup, "ticket_reference_upper")
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

    count_plan = plan_with_only(tickets.order_by().values("pk"), "ticket_open_by_team")
    # On the vacuumed large table, an index-only scan (docs/performance.md); here, any scan.
    assert " on ticket_open_by_team" in count_plan or "using ticket_open_by_team" in count_plan
    page_plan = plan_with_only(tickets[:25], "ticket_open_by_team")
    assert "using ticket_open_by_team" in page_plan
    assert 0 < tickets.count() < 1500
