"""Who answers for a ticket nobody owns: one rule for follow-ups and held mail."""

from __future__ import annotations

import pytest

from allie.accounts.models import User
from allie.tickets.selectors import who_takes_charge
from allie.tickets.services import open_ticket
from tests.factories import AgentFactory, TeamFactory


@pytest.fixture
def unowned(desk):
    """Oscar's ticket: his organisation (Autre) is served by no team yet."""
    return open_ticket(requester=desk.person("oscar"), title="Écran noir")


@pytest.mark.django_db
def test_the_lead_of_the_tickets_team_takes_charge(desk, unowned):
    unowned.team = desk.support

    assert who_takes_charge(unowned) == desk.lea


@pytest.mark.django_db
def test_without_a_team_the_lead_of_a_team_serving_the_organisation_does(desk, unowned):
    lead = AgentFactory(email="marc@desk.test", full_name="Marc Ouellet")
    TeamFactory(name="Autres clients", lead=lead, members=[lead], serves=[desk.other])

    assert who_takes_charge(unowned) == lead


@pytest.mark.django_db
def test_an_inactive_lead_is_passed_over(desk, unowned):
    unowned.team = desk.support
    User.objects.filter(pk=desk.lea.pk).update(is_active=False)

    assert who_takes_charge(unowned) == desk.admin  # no active lead serves Autre


@pytest.mark.django_db
def test_with_nobody_serving_an_administrator_does(desk, unowned):
    assert who_takes_charge(unowned) == desk.admin


@pytest.mark.django_db
def test_with_no_active_administrator_nobody_does(desk, unowned):
    User.objects.filter(pk=desk.admin.pk).update(is_active=False)

    assert who_takes_charge(unowned) is None
