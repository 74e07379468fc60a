from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from allie.tickets.services import open_ticket
from allie.voice.services import make_commitment

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(hours: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, hours=hours)


@pytest.fixture
def ticket(desk):
    """Alice's request on the Support team's service, opened Monday 9:00."""
    return open_ticket(requester=desk.person("alice"), title="Lent", service=desk.service, now=at())


@pytest.fixture
def promise(desk, ticket):
    """Record a commitment on the ticket (by agathe, made Monday 9:00 unless told otherwise)."""

    def _promise(due_hours: float = 30, *, by="agathe", made_hours: float = 0, **kwargs):
        kwargs.setdefault("ticket", ticket)
        kwargs.setdefault("what", "Je vous rappelle")
        return make_commitment(
            by=desk.person(by), due_at=at(due_hours), now=at(made_hours), **kwargs
        )

    return _promise
