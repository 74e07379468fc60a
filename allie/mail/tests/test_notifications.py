"""Notices to requesters: who receives what, in which language, gathered within a minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from allie.accounts.models import Language
from allie.mail.models import InboundMessage, Mailbox, NotificationPreference, OutboundMessage
from allie.mail.services.notifications import (
    DIGEST_WINDOW,
    on_timeline_event,
    render_message,
)
from allie.tickets.models import TimelineEvent
from allie.tickets.services import (
    acknowledge,
    close_resolved_after_window,
    open_ticket,
    reply,
    transition,
)
from allie.tickets.services.state import record

MONTREAL = ZoneInfo("America/Toronto")
MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=MONTREAL)  # an ordinary Monday


def at(minutes: float = 0, days: int = 0) -> datetime:
    return MONDAY_9 + timedelta(days=days, minutes=minutes)


def messages_to(person):
    """The person's messages, written as the sender would write them."""
    rows = OutboundMessage.objects.filter(recipient=person, kind="notification").order_by(
        "created_at", "pk"
    )
    return [render_message(row) for row in rows]


def notices_in(message):
    return [summary["notice"] for summary in message.events]


@pytest.fixture
def alice(desk):
    """Alice writes in French (the default)."""
    return desk.person("alice")


@pytest.fixture
def bob(desk):
    """Bob reads his mail in English."""
    bob = desk.person("bob")
    bob.language = Language.ENGLISH
    bob.save(update_fields=["language"])
    return bob


@pytest.fixture
def agathe(desk):
    return desk.person("agathe")


@pytest.fixture
def ticket(desk, alice):
    return open_ticket(requester=alice, title="Écran noir", service=desk.service, now=at())


def test_a_new_request_sends_its_receipt_to_the_requester_with_its_reference(desk, alice):
    ticket = open_ticket(requester=alice, title="Écran noir", service=desk.service, now=at())

    [message] = map(render_message, OutboundMessage.objects.all())
    assert message.recipient == alice
    assert message.to_address == "alice@finances.test"
    assert message.kind == "notification"
    assert message.language == "fr-ca"
    assert message.subject == f"[{ticket.reference}] Écran noir"
    assert ticket.reference in message.text_body
    assert ticket.reference in message.html_body
    assert f"/portal/requests/{ticket.reference}/" in message.text_body
    assert message.digest_key == f"ticket:{ticket.pk}:person:{alice.pk}"
    assert message.send_after == at() + DIGEST_WINDOW
    assert notices_in(message) == ["received"]


def test_an_english_requester_reads_everything_of_one_minute_in_one_english_message(
    desk, bob, agathe
):
    ticket = open_ticket(requester=bob, title="Printer jam", service=desk.service, now=at())
    acknowledge(ticket, by=agathe, now=at(0.2))
    reply(ticket, by=agathe, body="Please restart it.", now=at(0.4))
    transition(ticket, by=agathe, command="resolve", now=at(0.6))

    [message] = messages_to(bob)
    assert notices_in(message) == ["received", "acknowledged", "agent_reply", "resolved"]
    assert message.language == "en"
    assert message.subject == f"[{ticket.reference}] Printer jam"
    text = message.text_body
    assert text.startswith("Hello Bob,")
    assert f"We received your request {ticket.reference}: “Printer jam”." in text
    assert "Agathe Tremblay took charge of your request." in text
    assert "Agathe Tremblay wrote:\nPlease restart it." in text
    assert "Agathe Tremblay marked your request as resolved." in text
    assert "If not, reopen it within 7 days." in text
    # Resolved within the same minute: no promise of news to come.
    assert "we will give you news" not in text
    assert text.index("We received") < text.index("took charge") < text.index("wrote:")
    assert "<" not in text.replace("<http", "")  # the text part carries no HTML
    assert "Please restart it." in message.html_body
    assert messages_to(agathe) == []


def test_the_acknowledgement_names_the_owner_and_when_the_requester_will_hear_from_us(
    bob, desk, agathe
):
    ticket = open_ticket(requester=bob, title="VPN", service=desk.service, now=at())

    acknowledge(ticket, by=agathe, now=at(5))

    _receipt, acknowledgement = messages_to(bob)
    assert notices_in(acknowledgement) == ["acknowledged"]
    # P4 on Monday 9:00: the next update is due after 480 business minutes, Monday 17:00.
    assert "Agathe Tremblay took charge of your request." in acknowledgement.text_body
    assert (
        "By March 2, 2026, 5 p.m. at the latest, we will give you news."
        in acknowledgement.text_body
    )
    assert 'datetime="2026-03-02T17:00:00-05:00"' in acknowledgement.html_body


def test_a_french_requester_reads_her_resolution_in_french(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))

    transition(ticket, by=agathe, command="resolve", now=at(10))

    message = messages_to(alice)[-1]
    assert notices_in(message) == ["resolved"]
    assert message.language == "fr-ca"
    assert "Agathe Tremblay a indiqué que votre demande est résolue." in message.text_body
    assert "Sinon, rouvrez la demande d’ici 7 jours." in message.text_body
    assert "marked your request as resolved" not in message.text_body
    assert "Agathe Tremblay a indiqué que votre demande est résolue." in message.html_body


def test_the_acknowledgement_promises_the_next_update_in_french_too(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))

    message = messages_to(alice)[-1]
    assert "Agathe Tremblay a pris votre demande en charge." in message.text_body
    assert "2 mars 2026, 17\xa0h\xa000" in message.text_body
    assert 'datetime="2026-03-02T17:00:00-05:00"' in message.html_body


def test_waiting_on_the_requester_and_declining_tell_her_why_in_french(desk, alice, agathe):
    waiting = open_ticket(requester=alice, title="Accès", service=desk.service, now=at())
    declined = open_ticket(requester=alice, title="Piscine", service=desk.service, now=at())
    acknowledge(waiting, by=agathe, now=at(2))
    acknowledge(declined, by=agathe, now=at(2))

    transition(waiting, by=agathe, command="wait_on_requester", reason="Quel poste?", now=at(5))
    transition(
        declined,
        by=agathe,
        command="decline",
        reason="Hors de notre mandat.",
        alternative="Écrivez aux installations.",
        now=at(5),
    )

    waiting_message = render_message(OutboundMessage.objects.filter(ticket=waiting).last())
    assert notices_in(waiting_message) == ["waiting_on_you"]
    assert "Votre demande est en attente de votre réponse." in waiting_message.text_body
    assert "Quel poste?" in waiting_message.text_body
    declined_message = render_message(OutboundMessage.objects.filter(ticket=declined).last())
    assert notices_in(declined_message) == ["declined"]
    text = declined_message.text_body
    assert "Agathe Tremblay a refusé votre demande." in text
    assert "Pourquoi nous avons refusé\nHors de notre mandat." in text
    assert "Où vous adresser à la place\nÉcrivez aux installations." in text


def test_closing_after_the_reopen_window_tells_the_requester(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(1))
    transition(ticket, by=agathe, command="resolve", now=at(2))

    close_resolved_after_window(now=at(days=8))

    message = messages_to(alice)[-1]
    assert notices_in(message) == ["closed"]
    assert "Votre demande a été fermée." in message.text_body


def test_internal_notes_are_never_sent_to_the_requester(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))
    before = OutboundMessage.objects.count()

    reply(ticket, by=agathe, body="Note interne: client difficile", public=False, now=at(30))

    assert OutboundMessage.objects.count() == before
    assert not OutboundMessage.objects.filter(text_body__contains="client difficile").exists()


def test_nobody_is_told_of_their_own_action(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))
    before = OutboundMessage.objects.count()

    reply(ticket, by=alice, body="Merci, je réessaie.", now=at(30))
    transition(ticket, by=alice, command="cancel", now=at(40))

    assert OutboundMessage.objects.count() == before


def test_a_rolled_back_service_leaves_no_message_in_the_outbox(ticket, agathe):
    before = OutboundMessage.objects.count()

    def acknowledge_reply_then_fail():
        with transaction.atomic():
            acknowledge(ticket, by=agathe, now=at(5))
            reply(ticket, by=agathe, body="Réponse perdue", now=at(5))
            assert OutboundMessage.objects.count() == before + 1  # written in the transaction
            raise RuntimeError("the caller fails after the service")

    with pytest.raises(RuntimeError):
        acknowledge_reply_then_fail()

    assert OutboundMessage.objects.count() == before


def test_three_events_within_a_minute_make_one_message_with_the_three(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))

    for second, body in ((0, "Un"), (20, "Deux"), (50, "Trois")):
        reply(ticket, by=agathe, body=f"Message {body}", now=at(10, 0) + timedelta(seconds=second))

    message = messages_to(alice)[-1]
    assert notices_in(message) == ["agent_reply"] * 3
    assert [e["body"] for e in message.events] == ["Message Un", "Message Deux", "Message Trois"]
    for body in ("Message Un", "Message Deux", "Message Trois"):
        assert body in message.text_body
        assert body in message.html_body
    assert message.send_after == at(10) + DIGEST_WINDOW  # the first event's minute, not extended


def test_an_event_after_the_minute_has_passed_starts_a_new_message(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))
    reply(ticket, by=agathe, body="Premier", now=at(10))

    reply(ticket, by=agathe, body="Second", now=at(11, 0) + timedelta(seconds=1))

    first, second = messages_to(alice)[-2:]
    assert [e["body"] for e in first.events] == ["Premier"]
    assert [e["body"] for e in second.events] == ["Second"]


def test_a_message_the_sender_has_claimed_is_never_changed(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))
    reply(ticket, by=agathe, body="Premier", now=at(10))
    claimed = messages_to(alice)[-1]
    OutboundMessage.objects.filter(pk=claimed.pk).update(attempts=1, send_after=at(15))

    reply(ticket, by=agathe, body="Second", now=at(10.5))

    claimed.refresh_from_db()
    assert [e["body"] for e in claimed.events] == ["Premier"]
    assert [e["body"] for e in messages_to(alice)[-1].events] == ["Second"]


def test_an_optional_notice_turned_off_is_not_sent(ticket, alice, agathe):
    NotificationPreference.objects.create(person=alice, notice="acknowledged", enabled=False)
    before = len(messages_to(alice))

    acknowledge(ticket, by=agathe, now=at(5))

    assert len(messages_to(alice)) == before


def test_an_essential_notice_is_sent_whatever_the_preferences_say(ticket, alice, agathe):
    acknowledge(ticket, by=agathe, now=at(5))
    NotificationPreference.objects.create(person=alice, notice="resolved", enabled=False)
    NotificationPreference.objects.create(person=alice, notice="agent_reply", enabled=False)

    reply(ticket, by=agathe, body="Voici la solution.", now=at(30))
    transition(ticket, by=agathe, command="resolve", now=at(30.5))

    assert notices_in(messages_to(alice)[-1]) == ["agent_reply", "resolved"]


def test_inactive_people_and_people_without_an_address_get_nothing(desk, alice, bob):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    bob.email = ""
    bob.save(update_fields=["email"])

    open_ticket(requester=alice, title="A", service=desk.service, now=at())
    open_ticket(requester=bob, title="B", service=desk.service, now=at())

    assert OutboundMessage.objects.count() == 0


def test_the_language_falls_back_to_the_organisation_then_the_desk(desk, alice):
    alice.language = ""
    alice.save(update_fields=["language"])
    desk.finances.language = Language.ENGLISH
    desk.finances.save(update_fields=["language"])

    open_ticket(requester=desk.person("alice"), title="Clavier", service=desk.service, now=at())

    [message] = messages_to(alice)
    assert message.language == "en"
    assert "We received your request" in message.text_body


def test_titles_are_escaped_in_html_and_kept_on_one_line_in_the_subject(desk, bob):
    ticket = open_ticket(
        requester=bob, title="<script>alert(1)</script>\nBcc: x@y", service=desk.service, now=at()
    )

    [message] = messages_to(bob)
    assert "\n" not in message.subject
    assert message.subject == f"[{ticket.reference}] <script>alert(1)</script> Bcc: x@y"
    assert "<script>" not in message.html_body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in message.html_body
    assert "“<script>alert(1)</script> Bcc: x@y”" in message.text_body
    assert "<img" not in message.html_body


def _inbound(ticket, number, *, sender, minutes, mailbox=None):
    return InboundMessage.objects.create(
        ticket=ticket,
        mailbox=mailbox,
        message_id=f"<in{number}@client.test>",
        raw_sha256=f"{number:064d}",
        raw_path=f"x/{number}",
        sender=sender,
        received_at=at(minutes),
    )


def test_a_notice_answers_the_requesters_latest_email_from_the_mailbox_she_wrote_to(
    ticket, alice, agathe
):
    mailbox = Mailbox.objects.create(
        name="Aide", address="aide@desk.test", host="127.0.0.1", username="aide"
    )
    _inbound(ticket, 1, sender="alice@finances.test", minutes=0, mailbox=mailbox)
    _inbound(ticket, 2, sender="ALICE@finances.test", minutes=3, mailbox=mailbox)
    _inbound(ticket, 3, sender="carole@finances.test", minutes=4)
    receipt = messages_to(alice)[0]

    reply(ticket, by=agathe, body="Bonjour", now=at(10))

    message = messages_to(alice)[-1]
    assert message.in_reply_to == "<in2@client.test>"
    assert message.from_address == "aide@desk.test"
    assert message.references.split() == [
        receipt.message_id,  # created at 9:00, before the first email was received
        "<in1@client.test>",
        "<in2@client.test>",
        "<in3@client.test>",
    ]


def test_references_are_capped_at_twenty_keeping_the_first(ticket, alice, agathe):
    for number in range(1, 31):
        _inbound(ticket, number, sender="alice@finances.test", minutes=number)
    first_receipt = messages_to(alice)[0]

    reply(ticket, by=agathe, body="Bonjour", now=at(60))

    references = messages_to(alice)[-1].references.split()
    assert len(references) == 20
    assert references[0] == first_receipt.message_id
    assert references[1:] == [f"<in{n}@client.test>" for n in range(12, 31)]


def test_the_receipt_of_a_ticket_made_from_an_email_answers_that_email(alice):
    from allie.mail.services.notifications import answering

    with answering("<in1@client.test>", "soutien@desk.test"):
        made = open_ticket(requester=alice, title="Courriel", channel="email", now=at())

    receipt = messages_to(alice)[-1]
    assert receipt.ticket == made
    assert receipt.in_reply_to == "<in1@client.test>"
    assert receipt.references == "<in1@client.test>"
    assert receipt.from_address == "soutien@desk.test"


def test_notifying_one_event_costs_a_bounded_number_of_queries(
    ticket, alice, agathe, django_assert_max_num_queries
):
    acknowledge(ticket, by=agathe, now=at(5))
    for number in range(1, 40):
        _inbound(ticket, number, sender="alice@finances.test", minutes=number)
    event = reply(ticket, by=agathe, body="Bonjour", now=at(60))
    event = TimelineEvent.objects.select_related("ticket__requester", "actor").get(pk=event.pk)

    # Digest look-up and update; a new row: language, threading (4 at most), insert.
    with django_assert_max_num_queries(2):
        on_timeline_event(event)
    event.created_at = at(120)
    with django_assert_max_num_queries(6):
        on_timeline_event(event)


def test_an_owner_change_by_someone_else_tells_the_new_owner_and_the_requester(
    ticket, alice, agathe, desk
):
    acknowledge(ticket, by=agathe, now=at(5))
    bruno, admin = desk.person("bruno"), desk.person("admin")

    # Written by hand, not through a ticket service: the receiver still hears of it.
    record(
        ticket,
        TimelineEvent.Kind.OWNER_CHANGE,
        actor=admin,
        now=at(30),
        public=True,
        **{"from": agathe.pk, "to": bruno.pk},
    )

    [to_bruno] = messages_to(bruno)
    assert notices_in(to_bruno) == ["assigned"]
    assert f"/desk/tickets/{ticket.reference}/" in to_bruno.text_body
    assert notices_in(messages_to(alice)[-1]) == ["owner_changed"]
    assert "Bruno Gagnon s’occupe maintenant de votre demande." in messages_to(alice)[-1].text_body
    assert messages_to(admin) == []
