"""Who sees which escalation: the ticket's scoping rule, or an alert addressed to them."""

from __future__ import annotations

from allie.accounts.models import Role
from allie.escalations.models import EscalationAlert
from allie.escalations.selectors import active_escalations, visible_escalations
from allie.escalations.services import raise_escalation
from allie.tickets.services import open_ticket
from tests.factories import AgentFactory


def clinic_escalation(desk):
    """An escalation of a Clinique Lavoie ticket, which Léa's team does not serve."""
    person = AgentFactory(email="p@clinic.test", organisation=desk.clinic, roles=[])
    ticket = open_ticket(requester=person, title="Clinique")
    return raise_escalation(ticket, by=desk.person("admin"), level="manager", reason="X")


def test_a_lead_alerted_on_a_ticket_they_do_not_see_finds_its_escalation_once(desk):
    escalation = clinic_escalation(desk)
    lea = desk.person("lea")
    EscalationAlert.objects.create(
        escalation=escalation, person=lea, alerted_at=escalation.raised_at
    )

    assert list(active_escalations(lea)) == [escalation]
    assert list(visible_escalations(lea)) == [escalation]
    assert list(visible_escalations(desk.person("agathe"))) == []


def test_an_escalation_seen_both_ways_is_listed_once(desk, ticket):
    lea = desk.person("lea")
    escalation = raise_escalation(ticket, by=desk.person("agathe"), level="team_lead", reason="A")

    assert escalation.alerts.filter(person=lea).exists()  # alerted, and her team serves Finances
    assert list(active_escalations(lea)) == [escalation]


def test_the_owner_of_a_ticket_outside_their_teams_sees_its_escalation(desk):
    escalation = clinic_escalation(desk)
    lead = AgentFactory(email="owner@desk.test", roles=[Role.AGENT, Role.TEAM_LEAD])
    escalation.ticket.owner = lead
    escalation.ticket.save(update_fields=["owner"])

    assert list(active_escalations(lead)) == [escalation]


def test_administrators_see_every_escalation_and_the_others_none_of_another_client(desk, ticket):
    ours = raise_escalation(ticket, by=desk.person("agathe"), level="team_lead", reason="A")
    theirs = clinic_escalation(desk)

    assert set(active_escalations(desk.person("admin"))) == {ours, theirs}
    assert list(visible_escalations(desk.person("oscar"))) == []
    assert list(visible_escalations(desk.person("alice"))) == [ours]  # her own ticket
