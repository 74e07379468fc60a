from __future__ import annotations

import pytest

from allie.search.services import search_tickets
from allie.tickets.services import acknowledge, open_ticket, reply


@pytest.fixture
def found(desk):
    """Return the references `name` finds for `query` (best first)."""

    def _found(name, query, **kwargs):
        results = search_tickets(desk.person(name), query, **kwargs)
        return [hit.ticket.reference for hit in results.hits]

    return _found


@pytest.fixture
def make(desk):
    """Open a ticket for a persona, with optional public replies from the serving agent."""

    def _make(name="alice", title="Question", description="", replies=(), service=None):
        ticket = open_ticket(
            requester=desk.person(name), title=title, description=description, service=service
        )
        if replies:
            agent = desk.person("chloe" if name == "oscar" else "agathe")
            if name != "oscar":
                acknowledge(ticket, by=agent)
            for body in replies:
                reply(ticket, by=desk.person("admin") if name == "oscar" else agent, body=body)
        return ticket

    return _make
