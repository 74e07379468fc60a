from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allie.tickets.models import Handoff, Status, Ticket, TimelineEvent
from allie.tickets.services import (
    ConcurrentChangeError,
    ServiceError,
    accept_handoff,
    acknowledge,
    available_actions,
    close_resolved_after_window,
    decline_handoff,
    log_contact,
    open_ticket,
    propose_handoff,
    reply,
    transition,
    update_ticket_fields,
    withdraw_handoff,
)


def open_for(desk, **kwargs):
    return open_ticket(
        requester=desk.person("alice"), title="Écran noir", service=desk.service, **kwargs
    )


def test_open_ticket_gives_reference_priority_team_and_opening_event(desk):
    ticket = open_for(desk, impact="high", urgency="high", description="Rien ne s'affiche")

    assert ticket.reference == f"D-{ticket.pk:06d}"
    assert ticket.priority == "p1"
    assert ticket.team == desk.support
    assert ticket.status == Status.NEW
    assert list(ticket.events.values_list("kind", flat=True)) == ["opened"]


def test_open_ticket_refuses_a_blank_title_and_saves_nothing(desk):
    with pytest.raises(ServiceError) as error:
        open_ticket(requester=desk.person("alice"), title="   ")

    assert error.value.code == "title_required"
    assert Ticket.objects.count() == 0


def test_acknowledge_makes_the_agent_owner(desk):
    ticket = open_for(desk)

    acknowledge(ticket, by=desk.person("agathe"))

    ticket.refresh_from_db()
    assert ticket.owner == desk.agathe
    assert ticket.status == Status.ACKNOWLEDGED
    assert ticket.acknowledged_at is not None
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == ["opened", "status_change", "owner_change"]


def test_an_agent_of_another_team_cannot_acknowledge(desk):
    ticket = open_for(desk)

    with pytest.raises(ServiceError) as error:
        acknowledge(ticket, by=desk.person("chloe"))

    assert error.value.code == "agent_required"
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_a_stale_copy_loses_the_compare_and_set(desk):
    ticket = open_for(desk)
    stale = Ticket.objects.get(pk=ticket.pk)
    acknowledge(ticket, by=desk.person("agathe"))

    with pytest.raises(ConcurrentChangeError):
        acknowledge(stale, by=desk.person("bruno"))

    assert Ticket.objects.get(pk=ticket.pk).owner == desk.agathe


def test_handoff_keeps_the_proposer_owner_until_accepted(desk):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))

    handoff = propose_handoff(
        ticket, by=desk.person("agathe"), to_person=desk.bruno, reason="Expert"
    )
    ticket.refresh_from_db()
    assert ticket.owner == desk.agathe
    assert handoff.state == Handoff.State.PENDING

    accept_handoff(ticket, by=desk.person("bruno"))
    ticket.refresh_from_db()
    assert ticket.owner == desk.bruno
    assert ticket.handoff_count == 1
    assert Handoff.objects.get(pk=handoff.pk).state == Handoff.State.ACCEPTED


def test_handoff_to_a_team_is_accepted_by_any_member_and_declined_with_reason(desk):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    propose_handoff(ticket, by=desk.person("agathe"), to_team=desk.support, reason="Relève")

    with pytest.raises(ServiceError) as error:
        decline_handoff(ticket, by=desk.person("bruno"), reason="")
    assert error.value.code == "handoff_decline_reason_required"

    decline_handoff(ticket, by=desk.person("bruno"), reason="Je pars en congé")
    ticket.refresh_from_db()
    assert ticket.owner == desk.agathe
    assert ticket.handoff_count == 0


def test_withdraw_and_refusals(desk):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    with pytest.raises(ServiceError) as error:
        propose_handoff(ticket, by=desk.person("bruno"), to_person=desk.lea, reason="x")
    assert error.value.code == "not_owner"
    with pytest.raises(ServiceError) as error:
        propose_handoff(ticket, by=desk.person("agathe"), to_person=desk.chloe, reason="x")
    assert error.value.code == "handoff_target_unknown"

    propose_handoff(ticket, by=desk.person("agathe"), to_person=desk.bruno, reason="x")
    withdraw_handoff(ticket, by=desk.person("agathe"))

    assert not Handoff.objects.filter(state=Handoff.State.PENDING).exists()


def test_reply_counts_first_response_and_requester_reply_resumes(desk):
    ticket = open_for(desk)
    acknowledge(ticket, by=desk.person("agathe"))
    transition(ticket, by=desk.person("agathe"), command="wait_on_requester")

    reply(ticket, by=desk.person("agathe"), body="Pouvez-vous redémarrer?")
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    assert ticket.agent_reply_count == 1

    reply(ticket, by=desk.person("alice"), body="C'est fait.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.requester_reply_count == 1


def test_requesters_cannot_write_internal_notes_nor_on_others_tickets(desk):
    ticket = open_for(desk)

    with pytest.raises(ServiceError) as error:
        reply(ticket, by=desk.person("alice"), body="note", public=False)
    assert error.value.code == "agent_required"
    with pytest.raises(ServiceError) as error:
        reply(ticket, by=desk.person("bob"), body="hello")
    assert error.value.code == "reply_not_allowed"
    reply(ticket, by=desk.person("carole"), body="Je suis la responsable")


def test_resolve_reopen_within_window_then_auto_close(desk):
    ticket = open_for(desk)
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)
    transition(ticket, by=agathe, command="resolve")
    transition(ticket, by=desk.person("alice"), command="reopen")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.reopen_count == 1

    transition(ticket, by=agathe, command="resolve")
    later = timezone.now() + timedelta(days=8)
    with pytest.raises(ServiceError) as error:
        transition(ticket, by=desk.person("alice"), command="reopen", now=later)
    assert error.value.code == "reopen_window_passed"
    assert "trop longtemps" in error.value.message or "too long" in error.value.message

    assert close_resolved_after_window(now=later) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert close_resolved_after_window(now=later) == 0


def test_decline_requires_reason_and_alternative(desk):
    ticket = open_for(desk)
    agathe = desk.person("agathe")
    with pytest.raises(ServiceError) as error:
        transition(ticket, by=agathe, command="decline", reason="Hors catalogue")
    assert error.value.code == "decline_alternative_required"

    transition(
        ticket, by=agathe, command="decline", reason="Hors catalogue", alternative="Voyez la RH"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.DECLINED
    assert ticket.decline_alternative == "Voyez la RH"


def test_only_the_requester_cancels(desk):
    ticket = open_for(desk)
    with pytest.raises(ServiceError):
        transition(ticket, by=desk.person("agathe"), command="cancel")
    transition(ticket, by=desk.person("alice"), command="cancel")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CANCELLED


def test_log_contact_resolved_at_first_contact(desk):
    ticket = log_contact(
        by=desk.person("agathe"),
        requester=desk.person("alice"),
        channel="phone",
        title="Mot de passe oublié",
        resolved_now=True,
        resolution="Mot de passe réinitialisé au téléphone.",
    )

    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.owner == desk.agathe
    assert ticket.resolved_at_first_contact
    assert ticket.channel == "phone"
    assert ticket.agent_reply_count == 1


def test_changing_impact_recomputes_priority_and_records_it(desk):
    ticket = open_for(desk)
    agathe = desk.person("agathe")
    acknowledge(ticket, by=agathe)

    update_ticket_fields(ticket, by=agathe, impact="high", urgency="high")

    ticket.refresh_from_db()
    assert ticket.priority == "p1"
    change = ticket.events.filter(kind=TimelineEvent.Kind.FIELD_CHANGE).get()
    assert change.data["changes"]["priority"] == ["p4", "p1"]


def test_available_actions_for_owner_and_requester(desk):
    ticket = open_for(desk)
    assert "acknowledge" in available_actions(ticket, desk.person("agathe"))
    assert available_actions(ticket, desk.person("alice")) == ["cancel"]


def test_timeline_is_append_only(desk):
    ticket = open_for(desk)
    event = ticket.events.get()
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
