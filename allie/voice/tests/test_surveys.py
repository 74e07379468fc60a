"""Satisfaction surveys: sent on resolution, in the requester's language, by the fatigue rules."""

from __future__ import annotations

import re

import pytest

from allie.mail.models import OutboundMessage
from allie.mail.services.notifications import muted
from allie.tickets.services import acknowledge, open_ticket, transition
from allie.voice.models import Survey, SurveySettings
from allie.voice.tests.conftest import at

LINK = re.compile(r"https?://\S+/voice/survey/[^/\s]+/(?:\?csat=\d)?")


def surveys_to(person) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(kind="survey", recipient=person).order_by("pk"))


def resolved(desk, requester, *, title="Imprimante", hours: float = 1, days: int = 0):
    ticket = open_ticket(requester=requester, title=title, service=desk.service, now=at(days=days))
    acknowledge(ticket, by=desk.person("agathe"), now=at(0.5, days=days))
    transition(ticket, by=desk.person("agathe"), command="resolve", now=at(hours, days=days))
    return ticket


def test_a_resolution_sends_one_survey_in_french_to_a_french_requester(desk):
    alice = desk.person("alice")

    ticket = resolved(desk, alice, title="Imprimante bloquée")

    [message] = surveys_to(alice)
    survey = Survey.objects.get(ticket=ticket)
    assert survey.requester == alice
    assert survey.sent_at == at(1)
    assert survey.language == message.language == "fr-ca"
    assert message.to_address == alice.email
    assert message.ticket == ticket
    assert ticket.reference in message.subject
    assert ticket.reference in message.text_body
    assert "Imprimante bloquée" in message.text_body
    assert 'lang="fr-ca"' in message.html_body
    links = LINK.findall(message.text_body)
    assert [link.rsplit("=", 1)[-1] for link in links[:5]] == ["1", "2", "3", "4", "5"]
    assert links[5].endswith("/")  # the full form, without a pre-selected score
    assert all(link in message.html_body for link in links)


def test_an_english_requester_gets_the_survey_in_english(desk):
    bob = desk.person("bob")
    bob.language = "en"
    bob.save(update_fields=["language"])

    ticket = resolved(desk, bob, title="Printer jam")

    [message] = surveys_to(bob)
    assert message.language == "en"
    assert message.subject == f"How did we do? Request {ticket.reference}"
    assert message.text_body.startswith("Hello Bob,")
    assert f"Your request {ticket.reference} · Printer jam is resolved." in message.text_body
    assert "<" not in message.text_body
    assert 'lang="en"' in message.html_body


def test_the_email_names_only_the_reference_and_the_title(desk):
    alice = desk.person("alice")
    ticket = open_ticket(
        requester=alice,
        title="VPN",
        description="Mot de passe secret 1234",
        service=desk.service,
        now=at(),
    )
    acknowledge(ticket, by=desk.person("agathe"), now=at(0.5))
    transition(ticket, by=desk.person("agathe"), command="resolve", now=at(1))

    [message] = surveys_to(alice)
    assert "secret" not in message.text_body
    assert "secret" not in message.html_body


@pytest.mark.parametrize("command", ["decline", "cancel"])
def test_declined_and_cancelled_requests_are_surveyed_only_when_configured(desk, command):
    alice = desk.person("alice")
    by = desk.person("alice" if command == "cancel" else "agathe")
    first = open_ticket(requester=alice, title="Un", service=desk.service, now=at())
    transition(first, by=by, command=command, reason="Hors champ", alternative="Voir X", now=at(1))
    assert surveys_to(alice) == []

    settings = SurveySettings.current()
    settings.include_declined_and_cancelled = True
    settings.save()
    second = open_ticket(requester=alice, title="Deux", service=desk.service, now=at(2))
    transition(second, by=by, command=command, reason="Hors champ", alternative="Voir X", now=at(3))

    [message] = surveys_to(alice)
    assert message.ticket == second


def test_a_person_gets_at_most_one_survey_within_the_fatigue_days(desk):
    alice = desk.person("alice")
    resolved(desk, alice, title="Un")
    resolved(desk, alice, title="Deux", days=29)  # 29 days later: too soon
    assert len(surveys_to(alice)) == 1

    # 30 days later to the minute (the clocks went forward an hour in between).
    resolved(desk, alice, title="Trois", hours=2, days=30)

    assert [message.ticket.title for message in surveys_to(alice)] == ["Un", "Trois"]


def test_a_ticket_resolved_again_after_reopening_is_not_surveyed_twice(desk):
    settings = SurveySettings.current()
    settings.fatigue_days = 0
    settings.save()
    alice = desk.person("alice")
    ticket = resolved(desk, alice)
    transition(ticket, by=alice, command="reopen", reason="Encore", now=at(2))
    transition(ticket, by=desk.person("agathe"), command="resolve", now=at(3))

    assert len(surveys_to(alice)) == 1
    assert Survey.objects.filter(ticket=ticket).count() == 1


def test_no_survey_when_notifications_are_muted(desk):
    alice = desk.person("alice")

    with muted():
        ticket = resolved(desk, alice)

    assert surveys_to(alice) == []
    assert not Survey.objects.filter(ticket=ticket).exists()


def test_no_survey_to_an_inactive_requester_or_one_without_email(desk):
    alice = desk.person("alice")
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    resolved(desk, alice)

    assert not Survey.objects.exists()
    assert surveys_to(alice) == []


def test_the_survey_rolls_back_with_the_resolution(desk, monkeypatch):
    from allie.voice.services import surveys

    alice = desk.person("alice")
    ticket = open_ticket(requester=alice, title="Un", service=desk.service, now=at())
    acknowledge(ticket, by=desk.person("agathe"), now=at(0.5))

    def broken(*args, **kwargs):
        raise RuntimeError("outbox down")

    monkeypatch.setattr(surveys, "enqueue_message", broken)
    with pytest.raises(RuntimeError):
        transition(ticket, by=desk.person("agathe"), command="resolve", now=at(1))

    ticket.refresh_from_db()
    assert ticket.status == "acknowledged"
    assert not Survey.objects.exists()
