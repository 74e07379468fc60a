from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from allie.accounts.models import Role
from allie.demo import data
from allie.search.services import search_tickets
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Status, Ticket
from tests.factories import UserFactory


def test_demo_logins_says_how_to_load_the_demo_when_it_is_missing(db):
    out = StringIO()

    call_command("demo_logins", stdout=out)

    assert "seed_demo" in out.getvalue()
    assert data.DEMO_PASSWORD not in out.getvalue()


def test_seed_creates_the_tickets_asked_with_references_and_timelines(db):
    out = StringIO()

    with translation.override("en"):
        call_command("seed", tickets=50, stdout=out)

    tickets = list(Ticket.objects.prefetch_related("events"))
    assert len(tickets) == 50
    assert "requests/s" in out.getvalue()
    for ticket in tickets:
        events = list(ticket.events.all())
        assert ticket.reference == format_reference(ticket.pk)
        assert 3 <= len(events) <= 8
        assert events[0].kind == "opened"
        assert events[0].created_at == ticket.created_at
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        public_replies = [e for e in events if e.kind == "public_reply"]
        assert ticket.agent_reply_count == sum(
            e.actor_id != ticket.requester_id for e in public_replies
        )
        assert ticket.requester_reply_count == sum(
            e.actor_id == ticket.requester_id for e in public_replies
        )
        if ticket.status not in (Status.NEW, Status.DECLINED, Status.CANCELLED):
            assert ticket.owner_id is not None
        if ticket.status == Status.NEW:
            assert ticket.owner_id is None


@pytest.mark.parametrize("count", [0, -5])
def test_seed_refuses_a_count_that_is_not_positive(db, count):
    with pytest.raises(CommandError):
        call_command("seed", tickets=count, stdout=StringIO())

    assert Ticket.objects.count() == 0


def test_seeded_tickets_are_found_by_search_at_once(db):
    call_command("seed", tickets=30, stdout=StringIO())
    administrator = UserFactory(organisation=None, roles=[Role.ADMINISTRATOR])
    ticket = Ticket.objects.order_by("pk").last()

    results = search_tickets(administrator, ticket.reference)

    assert [hit.ticket.pk for hit in results.hits] == [ticket.pk]
