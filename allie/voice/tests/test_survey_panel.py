"""The agent sees, beside a ticket, how its requester answered their latest surveys."""

from __future__ import annotations

import pytest
from django.urls import reverse

from allie.voice.models import Survey
from allie.voice.services.surveys import answer_survey
from allie.voice.tests.conftest import at
from allie.voice.tests.test_surveys import resolved

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client, settings):
    """Speak English to the client (the language switch's cookie)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_the_agent_sees_the_requesters_recent_answers_low_ones_marked(client, english, desk):
    alice = desk.person("alice")
    first = resolved(desk, alice, title="Imprimante", days=0)
    answer_survey(Survey.objects.get(ticket=first), csat="2", comment="Trop lent", now=at(2))
    current = resolved(desk, alice, title="Écran", days=40)  # past the fatigue days
    client.force_login(desk.person("agathe"))

    page = client.get(reverse("workspace:ticket", args=[current.reference])).content.decode()

    assert "The requester’s recent satisfaction" in page
    assert f"2/5 on {first.reference}" in page
    assert "Low answer" in page
    assert "Trop lent" in page


def test_nothing_shows_when_the_requester_never_answered(client, english, desk):
    ticket = resolved(desk, desk.person("alice"))
    client.force_login(desk.person("agathe"))

    page = client.get(reverse("workspace:ticket", args=[ticket.reference])).content.decode()

    assert "recent satisfaction" not in page


def test_the_requester_does_not_see_the_panel_on_the_portal(client, english, desk):
    alice = desk.person("alice")
    ticket = resolved(desk, alice)
    answer_survey(Survey.objects.get(ticket=ticket), csat="1", now=at(2))
    client.force_login(alice)

    page = client.get(reverse("portal:ticket", args=[ticket.reference])).content.decode()

    assert "recent satisfaction" not in page
