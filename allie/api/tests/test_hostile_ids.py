"""Ids that are not whole numbers a key can hold: a 400 with the field, never truncated."""

from __future__ import annotations

import pytest

from allie.tickets.models import Handoff, Ticket
from allie.tickets.services import acknowledge
from tests.factories import TeamFactory

TICKETS = "/api/v1/tickets/"
# Each built from a real key: a decimal one was read as that key, truncated.
NOT_KEYS = {
    "decimal": lambda pk: pk + 0.5,
    "whole decimal": lambda pk: float(pk),
    "decimal text": lambda pk: f"{pk}.5",
    "padded text": lambda pk: f" {pk}",
    "exponent": lambda pk: f"{pk}e0",
    "boolean": lambda pk: True,
    "beyond any key": lambda pk: 10**40,
    "negative": lambda pk: -pk,
    "zero": lambda pk: 0,
    "list": lambda pk: [pk],
    "object": lambda pk: {"id": pk},
}


@pytest.fixture
def network(desk):
    """A second team serving Finances: one a ticket may be handed to."""
    return TeamFactory(name="Réseau", serves=[desk.finances])


@pytest.mark.parametrize("make_value", NOT_KEYS.values(), ids=NOT_KEYS.keys())
def test_a_handoff_to_a_team_that_is_not_a_key_is_a_400(api, desk, open_for, network, make_value):
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))
    payload = {"action": "propose", "reason": "Mieux placés", "to_team": make_value(network.pk)}

    response = api.as_(desk.person("agathe")).post(
        f"{TICKETS}{ticket.reference}/handoff/", payload, format="json"
    )

    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {"to_team"}
    assert not Handoff.objects.exists()


@pytest.mark.parametrize("make_value", NOT_KEYS.values(), ids=NOT_KEYS.keys())
def test_opening_for_a_requester_who_is_not_a_key_is_a_400(api, desk, make_value):
    payload = {"title": "Imprimante", "requester": make_value(desk.alice.pk)}

    response = api.as_(desk.person("agathe")).post(TICKETS, payload, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()["fields"]) == {"requester"}
    assert not Ticket.objects.exists()


def test_a_key_as_a_number_or_a_string_of_digits_is_taken(api, desk, open_for, network):
    agent = api.as_(desk.person("agathe"))

    as_number = agent.post(TICKETS, {"title": "Un", "requester": desk.alice.pk}, format="json")
    as_text = agent.post(TICKETS, {"title": "Deux", "requester": str(desk.alice.pk)}, format="json")
    ticket = open_for("alice")
    acknowledge(ticket, by=desk.person("agathe"))
    handoff = agent.post(
        f"{TICKETS}{ticket.reference}/handoff/",
        {"action": "propose", "reason": "Mieux placés", "to_team": str(network.pk)},
        format="json",
    )

    assert (as_number.status_code, as_text.status_code, handoff.status_code) == (201, 201, 200)
