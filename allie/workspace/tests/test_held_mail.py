"""The ticket page's "Mail waiting for review": shown escaped to the ticket's agents only, and
its three actions, each a checked POST that acts once."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allie.mail.models import InboundMessage
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    HeldScene,
)
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.services import open_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def hostile_reply(number: int = 1) -> bytes:
    """A stranger's reply to Alice's ticket, with markup everywhere and the quoted history."""
    message = EmailMessage()
    message["From"] = '"<img src=x onerror=alert(1)>" <evil@elsewhere.test>'
    message["To"] = "soutien@desk.test"
    message["Subject"] = "Re: [D-000140] <script>alert(1)</script>"
    message["Message-ID"] = f"<hostile-{number}@elsewhere.test>"
    message["In-Reply-To"] = NOTICE_ID
    message.set_content(
        "Voici <b>mon</b> avis.\n\nLe 10 mars, Soutien a écrit :\n> Historique confidentiel\n"
    )
    message.add_attachment(b"x", maintype="image", subtype="png", filename="Tremblay & <Fils>.png")
    return message.as_bytes()


@pytest.fixture
def scene(desk):
    return HeldScene(desk)


def hold(scene, number: int = 1) -> InboundMessage:
    result = receive_message(hostile_reply(number), mailbox=scene.mailbox, now=NOW)
    assert result.outcome == "held"
    return result.message


def page(ticket: Ticket) -> str:
    return reverse("workspace:ticket", args=[ticket.reference])


def action_url(ticket: Ticket, message: InboundMessage) -> str:
    return reverse("workspace:held_mail", args=[ticket.reference, message.pk])


def status_of(message: InboundMessage) -> str:
    return InboundMessage.objects.get(pk=message.pk).status


def test_the_tickets_agents_see_held_mail_escaped_without_its_quoted_history(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))

    response = client.get(page(scene.ticket))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Mail waiting for review" in content or "en attente" in content
    assert "&lt;img src=x onerror=alert(1)&gt; &lt;evil@elsewhere.test&gt;" in content
    assert "Re: [D-000140] &lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "Voici &lt;b&gt;mon&lt;/b&gt; avis." in content
    assert "<li>Tremblay &amp; _Fils_.png</li>" in content  # by name only, not served
    assert "Historique confidentiel" not in content
    assert "<script>alert" not in content
    assert action_url(scene.ticket, message) in content
    assert 'name="csrfmiddlewaretoken"' in content


def test_the_requesters_portal_page_shows_no_held_mail(client, desk, scene):
    hold(scene)
    client.force_login(desk.person("alice"))

    response = client.get(reverse("portal:ticket", args=[scene.ticket.reference]))

    assert response.status_code == 200
    assert "Voici" not in response.content.decode()


@pytest.mark.parametrize("person", ["chloe", "alice", "carole", "oscar"])
def test_others_get_not_found_and_the_message_stays_held(client, desk, scene, person):
    # chloe: an agent of another team; alice: the requester; carole: her organisation's
    # contact; oscar: another organisation.
    message = hold(scene)
    client.force_login(desk.person(person))

    shown = client.get(page(scene.ticket))
    answers = [
        client.post(action_url(scene.ticket, message), {"action": action}).status_code
        for action in ("add", "open", "discard")
    ]

    assert shown.status_code == 404
    assert answers == [404, 404, 404]
    assert status_of(message) == "held"


def test_a_message_held_on_another_ticket_is_not_found_through_this_one(client, desk, scene):
    message = hold(scene)
    other = open_ticket(requester=desk.person("bob"), title="Souris")  # agathe works on it too
    client.force_login(desk.person("agathe"))

    response = client.post(action_url(other, message), {"action": "discard"})

    assert response.status_code == 404
    assert status_of(message) == "held"


def test_adding_makes_an_internal_note_and_empties_the_block(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))

    response = client.post(action_url(scene.ticket, message), {"action": "add"}, follow=True)

    content = response.content.decode()
    assert response.status_code == 200
    note = scene.ticket.events.get(kind=TimelineEvent.Kind.INTERNAL_NOTE)
    assert not note.is_public
    assert note.actor == desk.agathe
    assert "> Voici <b>mon</b> avis." in note.body
    assert status_of(message) == "threaded"
    assert action_url(scene.ticket, message) not in content  # reviewed: no longer offered
    assert "&gt; Voici &lt;b&gt;mon&lt;/b&gt; avis." in content  # in the timeline, escaped


def test_opening_a_new_request_through_htmx_answers_the_ticket_body(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))

    response = client.post(action_url(scene.ticket, message), {"action": "open"}, headers=HTMX)

    assert response.status_code == 200
    assert 'id="ticket-body"' in response.content.decode()
    row = InboundMessage.objects.select_related("ticket__requester").get(pk=message.pk)
    assert row.status == "opened"
    assert row.ticket != scene.ticket
    assert row.ticket.requester.email == "evil@elsewhere.test"  # the mailbox creates senders


def test_discarding_keeps_the_message_ignored(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("lea"))

    response = client.post(action_url(scene.ticket, message), {"action": "discard"})

    assert response.status_code == 302
    row = InboundMessage.objects.get(pk=message.pk)
    assert (row.status, row.reason) == ("ignored", "discarded by lea@desk.test after review")


def test_a_second_action_on_the_same_message_is_a_conflict(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))
    client.post(action_url(scene.ticket, message), {"action": "discard"})

    response = client.post(action_url(scene.ticket, message), {"action": "add"}, headers=HTMX)

    assert response.status_code == 409
    assert not scene.ticket.events.filter(kind=TimelineEvent.Kind.INTERNAL_NOTE).exists()
    assert status_of(message) == "ignored"


def test_an_unknown_action_is_refused(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))

    response = client.post(action_url(scene.ticket, message), {"action": "publish"}, headers=HTMX)

    assert response.status_code == 400
    assert status_of(message) == "held"


def test_an_action_without_the_csrf_token_is_refused(desk, scene):
    message = hold(scene)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.person("agathe"))

    response = client.post(action_url(scene.ticket, message), {"action": "discard"})

    assert response.status_code == 403
    assert status_of(message) == "held"


def test_the_block_costs_the_same_queries_whatever_the_number_of_held_messages(client, desk, scene):
    client.force_login(desk.person("agathe"))
    hold(scene, 1)
    client.get(page(scene.ticket))  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(page(scene.ticket))
    for number in range(2, 7):
        hold(scene, number)

    with CaptureQueriesContext(connection) as six:
        response = client.get(page(scene.ticket))

    assert response.content.decode().count("Voici &lt;b&gt;mon&lt;/b&gt; avis.") == 6
    assert len(six) == len(one)


@pytest.mark.parametrize(
    ("person", "status"), [("agathe", 200), ("chloe", 404), ("alice", 404), ("oscar", 404)]
)
def test_only_the_tickets_agents_open_a_held_messages_original(client, desk, scene, person, status):
    message = hold(scene)
    client.force_login(desk.person(person))

    response = client.get(reverse("mail:original", args=[message.pk]))

    assert response.status_code == status
    if person == "agathe":
        assert (
            reverse("mail:original", args=[message.pk])
            in client.get(page(scene.ticket)).content.decode()
        )


def test_a_discarded_message_is_for_administrators_again(client, desk, scene):
    message = hold(scene)
    client.force_login(desk.person("agathe"))
    client.post(action_url(scene.ticket, message), {"action": "discard"})

    assert client.get(reverse("mail:original", args=[message.pk])).status_code == 404
