from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from allie.accounts.models import Role
from allie.tickets.services import open_ticket
from tests.factories import AgentFactory, UserFactory

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(hours: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, hours=hours)


@pytest.fixture
def manager(desk):
    """Marc, a manager who is a member of the Support team."""
    marc = AgentFactory(
        email="marc@desk.test", full_name="Marc Manager", roles=[Role.AGENT, Role.MANAGER]
    )
    desk.support.members.add(marc)
    return marc


@pytest.fixture
def sponsor(desk):
    """Sophie, Finances' executive sponsor."""
    sophie = UserFactory(
        email="sophie@finances.test", full_name="Sophie Sponsor", organisation=desk.finances
    )
    desk.finances.executive_sponsor = sophie
    desk.finances.save(update_fields=["executive_sponsor"])
    return sophie


@pytest.fixture
def ticket(desk):
    # P4 on the Support team's service: first response 240 business minutes (Monday 13:00).
    return open_ticket(requester=desk.person("alice"), title="Lent", service=desk.service, now=at())


@pytest.fixture
def english(client, settings):
    """Speak English to the client (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
