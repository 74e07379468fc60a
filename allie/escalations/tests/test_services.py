"""Escalation use cases, on the database, with an injected clock."""

from __future__ import annotations

import pytest

from allie.escalations.models import Escalation, EscalationLadder, EscalationStep, Trigger
from allie.escalations.services import (
    acknowledge_escalation,
    close_escalation,
    raise_escalation,
    requester_escalation,
)
from allie.tickets.models import Handoff, TimelineEvent
from allie.tickets.services import ServiceError, acknowledge, open_ticket, reply, transition

from .conftest import at


def escalation_events(ticket, action=None):
    events = ticket.events.filter(kind=TimelineEvent.Kind.SYSTEM, data__has_key="escalation")
    if action:
        events = events.filter(data__escalation=action)
    return list(events.order_by("created_at", "id"))


def test_an_agent_escalates_by_hand_with_a_reason_and_the_team_lead_is_alerted(desk, ticket):
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe, now=at(0.5))

    escalation = raise_escalation(
        ticket, by=agathe, level="team_lead", reason="Client inquiet", now=at(1)
    )

    assert escalation.trigger == Trigger.MANUAL_AGENT
    assert escalation.raised_by == agathe
    assert [alert.person for alert in escalation.alerts.all()] == [desk.lea]
    [event] = escalation_events(ticket, "raised")
    assert event.is_public is False
    assert event.body == "Client inquiet"
    assert event.data["alerted"] == [desk.lea.pk]
    ticket.refresh_from_db()
    assert ticket.owner == agathe


def test_a_manual_escalation_needs_a_reason_and_an_agent_of_the_ticket(desk, ticket):
    with pytest.raises(ServiceError) as missing:
        raise_escalation(ticket, by=desk.person("agathe"), level="manager", reason=" ")
    with pytest.raises(ServiceError) as outsider:
        raise_escalation(ticket, by=desk.person("chloe"), level="manager", reason="Vite")

    assert missing.value.code == "escalation_reason_required"
    assert outsider.value.kind == "forbidden"
    assert not Escalation.objects.exists()


def test_the_same_level_cannot_be_escalated_twice_while_active(desk, ticket):
    agathe = desk.person("agathe")
    raise_escalation(ticket, by=agathe, level="team_lead", reason="Un", now=at(1))

    with pytest.raises(ServiceError) as error:
        raise_escalation(ticket, by=agathe, level="team_lead", reason="Deux", now=at(2))

    assert error.value.code == "already_escalated"


def test_the_manager_level_alerts_managers_of_the_ticket_team(desk, ticket, manager):
    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="manager", reason="Bloqué", now=at(1)
    )

    assert [alert.person for alert in escalation.alerts.all()] == [manager]


def test_a_functional_escalation_by_the_owner_proposes_a_handoff_and_the_owner_stays(desk):
    desk.clients.serves.add(desk.finances)
    ticket = open_ticket(requester=desk.person("alice"), title="Réseau", service=desk.service)
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)

    escalation = raise_escalation(
        ticket, by=agathe, level="team", target_team=desk.clients, reason="Leur domaine"
    )

    handoff = Handoff.objects.get(ticket=ticket)
    assert escalation.handoff == handoff
    assert handoff.to_team == desk.clients
    assert handoff.state == Handoff.State.PENDING
    ticket.refresh_from_db()
    assert ticket.owner == agathe
    assert [alert.person for alert in escalation.alerts.all()] == [desk.chloe]  # no lead: members


def test_a_requester_asks_for_an_escalation_at_most_once_a_day(desk, ticket):
    alice = desk.person("alice")

    first = requester_escalation(ticket, by=alice, reason="Urgent pour la paie", now=at(1))
    with pytest.raises(ServiceError) as too_soon:
        requester_escalation(ticket, by=alice, reason="Encore", now=at(20))
    later = requester_escalation(ticket, by=alice, reason="Toujours rien", now=at(25))

    assert first.level == "team_lead"
    assert first.trigger == Trigger.REQUESTER
    assert [alert.person for alert in first.alerts.all()] == [desk.lea]
    assert too_soon.value.code == "escalation_too_soon"
    assert too_soon.value.params["when"]  # when the requester may ask again
    assert later.level == "manager"  # one above the highest still active


def test_the_requester_cooldown_follows_the_ladder(desk, ticket):
    ladder = EscalationLadder.objects.create(organisation=desk.finances, requester_cooldown_hours=2)
    EscalationStep.objects.create(ladder=ladder, level="team_lead", threshold=90)
    alice = desk.person("alice")
    requester_escalation(ticket, by=alice, reason="Vite", now=at(1))

    again = requester_escalation(ticket, by=alice, reason="Encore", now=at(3))

    assert again.level == "manager"


def test_only_the_requester_side_may_ask_for_an_escalation(desk, ticket):
    with pytest.raises(ServiceError) as error:
        requester_escalation(ticket, by=desk.person("bob"), reason="Moi aussi", now=at(1))

    assert error.value.kind == "forbidden"


def test_an_alerted_person_acknowledges_once_and_others_cannot(desk, ticket):
    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="team_lead", reason="Aide", now=at(1)
    )

    acknowledge_escalation(escalation, by=desk.person("lea"), now=at(2))
    with pytest.raises(ServiceError) as twice:
        acknowledge_escalation(escalation, by=desk.person("lea"), now=at(3))
    with pytest.raises(ServiceError) as stranger:
        acknowledge_escalation(escalation, by=desk.person("bruno"), now=at(3))

    escalation.refresh_from_db()
    assert escalation.state == Escalation.State.ACKNOWLEDGED
    assert escalation.acknowledged_by == desk.lea
    assert escalation.acknowledged_at == at(2)
    assert escalation.alerts.get().acknowledged_at == at(2)
    assert twice.value.code == "escalation_already_acknowledged"
    assert stranger.value.kind == "forbidden"
    assert len(escalation_events(ticket, "acknowledged")) == 1


def test_closing_records_how_it_ended_once(desk, ticket):
    escalation = raise_escalation(
        ticket, by=desk.person("agathe"), level="team_lead", reason="Aide", now=at(1)
    )

    with pytest.raises(ServiceError) as empty:
        close_escalation(escalation, by=desk.person("lea"), outcome="", now=at(2))
    close_escalation(escalation, by=desk.person("lea"), outcome="Pièce commandée", now=at(2))
    with pytest.raises(ServiceError) as again:
        close_escalation(escalation, by=desk.person("lea"), outcome="Bis", now=at(3))

    escalation.refresh_from_db()
    assert empty.value.code == "escalation_outcome_required"
    assert again.value.code == "escalation_closed"
    assert escalation.state == Escalation.State.CLOSED
    assert escalation.outcome == "Pièce commandée"
    assert escalation.closed_by == desk.lea
    assert escalation_events(ticket, "closed")[0].body == "Pièce commandée"


def test_a_vip_requester_s_ticket_alerts_the_team_lead_when_it_opens(desk):
    alice = desk.person("alice")
    alice.is_vip = True
    alice.save(update_fields=["is_vip"])

    ticket = open_ticket(requester=alice, title="Urgent", service=desk.service, now=at())

    [escalation] = ticket.escalations.all()
    assert escalation.trigger == Trigger.VIP
    assert escalation.level == "team_lead"
    assert escalation.raised_by is None
    assert [alert.person for alert in escalation.alerts.all()] == [desk.lea]


def test_an_ordinary_ticket_is_not_escalated_when_it_opens(ticket):
    assert not ticket.escalations.exists()


def test_the_second_reopening_alerts_the_team_lead(desk, ticket):
    agathe, alice = desk.person("agathe"), desk.person("alice")
    acknowledge(ticket, by=agathe, now=at(0.5))
    reply(ticket, by=agathe, body="Essayez ceci", now=at(1))
    for round_ in range(2):
        transition(ticket, by=agathe, command="resolve", now=at(2 + round_ * 2))
        transition(ticket, by=alice, command="reopen", reason="Non", now=at(3 + round_ * 2))
        if round_ == 0:
            assert not ticket.escalations.exists()

    [escalation] = ticket.escalations.all()
    assert escalation.trigger == Trigger.REOPENED
    assert escalation.raised_at == at(5)
    assert [alert.person for alert in escalation.alerts.all()] == [desk.lea]


def test_resolving_the_ticket_closes_its_escalations_saying_so(desk):
    from allie.escalations.models import Escalation
    from allie.escalations.services import raise_escalation
    from allie.tickets.services import acknowledge, open_ticket, transition

    ticket = open_ticket(requester=desk.person("alice"), title="Panne", service=desk.service)
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    raise_escalation(ticket, by=agathe, level="team_lead", reason="Client bloqué")

    transition(ticket, by=agathe, command="resolve")

    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.state == Escalation.State.CLOSED
    assert escalation.outcome
    assert ticket.events.filter(data__escalation="closed", data__automatic=True).count() == 1
