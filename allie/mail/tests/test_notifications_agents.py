"""Notices to agents: handoffs, ownership, SLA warnings and breaches, escalation alerts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from allie.accounts.models import Language
from allie.escalations.services import raise_escalation
from allie.mail.models import NotificationPreference, OutboundMessage
from allie.mail.services.notifications import render_message
from allie.sla.services import sweep_deadlines
from allie.tickets.models import Ticket
from allie.tickets.services import (
    accept_handoff,
    acknowledge,
    decline_handoff,
    open_ticket,
    propose_handoff,
)

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(minutes: float = 0) -> datetime:
    return MONDAY_9 + timedelta(minutes=minutes)


def messages_to(person):
    """The person's messages, written as the sender would write them."""
    rows = OutboundMessage.objects.filter(recipient=person, kind="notification").order_by(
        "created_at", "pk"
    )
    return [render_message(row) for row in rows]


def notices_in(message):
    return [summary["notice"] for summary in message.events]


def speaks_english(person):
    person.language = Language.ENGLISH
    person.save(update_fields=["language"])
    return person


@pytest.fixture
def agathe(desk):
    return speaks_english(desk.person("agathe"))


@pytest.fixture
def bruno(desk):
    return speaks_english(desk.person("bruno"))


@pytest.fixture
def ticket(desk, agathe):
    # P4 on the Support team's service: first response 240 business minutes.
    ticket = open_ticket(
        requester=desk.person("alice"), title="Écran noir", service=desk.service, now=at()
    )
    acknowledge(ticket, by=agathe, now=at(1))
    return ticket


def test_a_handoff_proposed_to_a_person_reaches_them_with_the_reason(ticket, agathe, bruno):
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Je pars en congé.", now=at(10))

    [message] = messages_to(bruno)
    assert notices_in(message) == ["handoff_proposed"]
    assert message.subject == f"[{ticket.reference}] Écran noir"
    assert "Agathe Tremblay proposes to hand this request over to you." in message.text_body
    assert "Reason: Je pars en congé." in message.text_body
    assert f"http://127.0.0.1:8000/desk/tickets/{ticket.reference}/" in message.text_body
    assert f'href="http://127.0.0.1:8000/desk/tickets/{ticket.reference}/"' in message.html_body
    assert messages_to(agathe) == []


def test_a_handoff_to_a_team_reaches_its_lead(ticket, desk, agathe):
    lea = desk.person("lea")

    propose_handoff(ticket, by=agathe, to_team=desk.support, reason="Pour l’équipe", now=at(10))

    [message] = messages_to(lea)
    assert notices_in(message) == ["handoff_proposed"]
    assert messages_to(desk.person("bruno")) == []
    assert messages_to(agathe) == []


def test_a_handoff_to_a_team_without_a_lead_reaches_its_members_but_the_proposer(
    ticket, desk, agathe
):
    desk.support.lead = None
    desk.support.save(update_fields=["lead"])

    propose_handoff(ticket, by=agathe, to_team=desk.support, reason="Pour l’équipe", now=at(10))

    recipients = {
        message.recipient.email
        for message in OutboundMessage.objects.select_related("recipient")
        if "handoff_proposed" in notices_in(message)
    }
    assert recipients == {"bruno@desk.test", "lea@desk.test"}


def test_the_proposer_hears_when_the_handoff_is_accepted_and_the_requester_of_the_new_owner(
    ticket, desk, agathe, bruno
):
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Congé", now=at(10))

    accept_handoff(ticket, by=bruno, now=at(20))

    [message] = messages_to(agathe)
    assert notices_in(message) == ["handoff_answered"]
    assert "Bruno Gagnon accepted your handoff and now owns the request." in message.text_body
    alice_last = messages_to(desk.person("alice"))[-1]
    assert notices_in(alice_last) == ["owner_changed"]
    # Bruno made himself owner: no "assigned" notice for his own action.
    assert [notices_in(m) for m in messages_to(bruno)] == [["handoff_proposed"]]


def test_the_proposer_hears_why_the_handoff_was_declined(ticket, agathe, bruno):
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Congé", now=at(10))

    decline_handoff(ticket, by=bruno, reason="Je suis débordé.", now=at(20))

    [message] = messages_to(agathe)
    assert "Bruno Gagnon declined your handoff: you still own the request." in message.text_body
    assert "Reason: Je suis débordé." in message.text_body


def test_handoff_answers_are_optional(ticket, agathe, bruno):
    NotificationPreference.objects.create(person=agathe, notice="handoff_answered", enabled=False)
    propose_handoff(ticket, by=agathe, to_person=bruno, reason="Congé", now=at(10))

    decline_handoff(ticket, by=bruno, reason="Non", now=at(20))

    assert messages_to(agathe) == []


def test_the_owner_is_warned_before_the_target_and_told_of_the_breach(ticket, agathe):
    # First response: 240 business minutes from 9:00; 50 % at 11:00, breach at 13:00.
    sweep_deadlines(now=at(121))

    warning = messages_to(agathe)[-1]
    assert "sla_warning" in notices_in(warning)
    assert "First response: 50 % of the time is used.\nDue by: March 2, 2026, 1 p.m." in (
        warning.text_body
    )

    sweep_deadlines(now=at(241))

    breach = messages_to(agathe)[-1]
    assert "sla_breach" in notices_in(breach)
    assert "First response: the target was missed.\nDue by: March 2, 2026, 1 p.m." in (
        breach.text_body
    )


def test_warnings_can_be_turned_off_but_breaches_cannot(ticket, agathe):
    NotificationPreference.objects.create(person=agathe, notice="sla_warning", enabled=False)
    NotificationPreference.objects.create(person=agathe, notice="sla_breach", enabled=False)

    sweep_deadlines(now=at(241))

    sent = [notice for message in messages_to(agathe) for notice in notices_in(message)]
    assert "sla_warning" not in sent
    assert "sla_breach" in sent


def test_an_escalation_alerts_the_people_it_names_but_not_who_raised_it(ticket, desk, agathe):
    lea = speaks_english(desk.person("lea"))

    raise_escalation(ticket, by=agathe, level="team_lead", reason="Client très fâché", now=at(30))

    [message] = messages_to(lea)
    assert notices_in(message) == ["escalation"]
    assert "This request was escalated to you (Team lead)." in message.text_body
    assert "Reason: Client très fâché" in message.text_body
    assert f"/desk/tickets/{ticket.reference}/" in message.text_body
    assert messages_to(agathe) == []


def test_an_executive_sponsor_who_does_not_work_on_tickets_is_sent_to_the_escalations_page(
    ticket, desk, agathe
):
    sponsor = desk.person("carole")
    desk.finances.executive_sponsor = sponsor
    desk.finances.save(update_fields=["executive_sponsor"])

    fresh = Ticket.objects.get(pk=ticket.pk)  # the organisation read before has no sponsor

    raise_escalation(fresh, by=agathe, level="executive_sponsor", reason="Urgent", now=at(30))

    [message] = messages_to(sponsor)
    assert "/escalations/" in message.text_body
    assert "/desk/tickets/" not in message.text_body


def test_warnings_overtaken_within_the_minute_by_a_breach_are_not_repeated(ticket, agathe):
    # A sweep that catches up late handles the 50, 75 and 90 % warnings and the breach at once.
    sweep_deadlines(now=at(241))

    message = messages_to(agathe)[-1]
    assert notices_in(message).count("sla_warning") >= 3
    assert "sla_breach" in notices_in(message)
    assert message.text_body.count("First response:") == 1
    assert "First response: the target was missed." in message.text_body
