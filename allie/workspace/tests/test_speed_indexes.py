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
from tests.plans import plan_with_only, served_by

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


@postgresql_only
def test_an_agents_own_queue_reads_their_open_tickets_from_their_index(db):
    create_base(organisations=3, teams=2, agents=4, requesters=40)
    seed_tickets(1500)
    owner_id = (
        Ticket.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES)
        .values_list("owner_id", flat=True)
        .first()
    )
    # A real agent: a few open tickets among many closed (the demo gives each hundreds open).
    owned_open = Ticket.objects.filter(owner_id=owner_id, status__in=OPEN_STATUSES)
    keep = list(owned_open.order_by("created_at").values_list("pk", flat=True)[:5])
    owned_open.exclude(pk__in=keep).update(status="closed")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
    agent = Ticket.objects.get(pk=keep[0]).owner
    tickets = selectors.queue(
        agent, "mine", now=timezone.now(), needs_owner_after=timedelta(minutes=30)
    )

    page_plan = plan_with_only(tickets[:25], "ticket_open_by_owner")
    # The index is searched by owner and read in the list's order: no sort of the tickets.
    assert served_by(page_plan, "ticket_open_by_owner")
    assert "Sort Key: tickets_ticket.created_at" not in page_plan
    count_plan = plan_with_only(tickets.order_by().values("pk"), "ticket_open_by_owner")
    assert "using ticket_open_by_owner" in count_plan or " on ticket_open_by_owner" in count_plan
    assert sorted(ticket.pk for ticket in tickets) == sorted(keep)


@postgresql_only
def test_the_words_filter_reads_the_title_and_reference_indexes_not_every_ticket(desk, open_for):
    open_for("Imprimante bloquée")
    tickets = selectors.queue(
        desk.person("admin"),  # sees every ticket: no scoping index to start from
        "all",
        filters=selectors.QueueFilters(text="bloquée"),
        now=timezone.now(),
        needs_owner_after=timedelta(minutes=30),
    )
    sql, params = tickets.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the test table is tiny
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # The OR of the reference and the title, each from its index (migration tickets 0009).
    assert "BitmapOr" in plan, plan
    assert "on ticket_title_words" in plan, plan
    assert "on ticket_reference_upper" in plan, plan
    assert tickets.count() == 1
