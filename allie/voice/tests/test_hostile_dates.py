"""A promise due at the end of the calendar: a form error, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allie.tickets.services import acknowledge, open_ticket
from allie.voice.models import Commitment
from allie.voice.services import make_commitment


@pytest.fixture
def ticket(desk):
    ticket = open_ticket(requester=desk.person("alice"), title="Imprimante")
    acknowledge(ticket, by=desk.person("agathe"))
    return ticket


def test_a_commitment_due_in_year_9999_is_refused(client, desk, ticket):
    client.force_login(desk.person("agathe"))

    # 23:59 in Montréal is the next day in UTC: past year 9999 on SQLite (a 500).
    response = client.post(
        reverse("voice:commitment_add", args=[ticket.reference]),
        {"what": "Rappeler", "due_at": "9999-12-31T23:59"},
    )

    assert response.status_code == 302
    assert not Commitment.objects.exists()


def test_a_renegotiation_to_year_9999_is_refused(client, desk, ticket):
    promise = make_commitment(
        by=desk.person("agathe"),
        ticket=ticket,
        what="Rappeler",
        due_at=timezone.now() + timedelta(hours=26),
    )
    client.force_login(desk.person("agathe"))

    response = client.post(
        reverse("voice:commitment_settle", args=[ticket.reference]),
        {
            "commitment": promise.pk,
            "action": "renegotiate",
            "new_due_at": "9999-12-31T23:59",
            "client_told": "on",
        },
    )

    assert response.status_code == 302
    assert Commitment.objects.count() == 1
