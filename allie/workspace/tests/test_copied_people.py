"""The ticket page's "Copied" list: names escaped, one query whatever its length, and a
"Remove" button that only the ticket's agents may use (POST, CSRF), after which the person's
mail waits for review again."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOW, make_mailbox, simple
from allie.tickets.models import Ticket, TicketCopy, TimelineEvent
from allie.tickets.services import copy_people, open_ticket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def ticket(desk) -> Ticket:
    return open_ticket(requester=desk.alice, title="Imprimante bloquée", now=NOW)


def page(ticket: Ticket) -> str:
    return reverse("workspace:ticket", args=[ticket.reference])


def remove_url(ticket: Ticket, person) -> str:
    return reverse("workspace:remove_copy", args=[ticket.reference, person.pk])


def copy(ticket: Ticket, *people) -> None:
    copy_people(ticket, people, by=ticket.requester, source=TicketCopy.Source.MAIL, now=NOW)


def test_the_tickets_agents_see_who_is_copied_escaped(client, desk, ticket):
    hostile = UserFactory(
        email="eve@finances.test",
        full_name='<script>alert(1)</script> "Ève"',
        organisation=desk.finances,
    )
    copy(ticket, desk.bob, hostile)
    client.force_login(desk.person("agathe"))

    content = client.get(page(ticket)).content.decode()

    assert "Bob Pelletier" in content
    assert "<script>alert(1)</script>" not in content
    assert '"Ève"' not in content  # the name would close the button's aria-label
    assert content.count("&lt;script&gt;alert(1)&lt;/script&gt; &quot;Ève&quot;") == 2
    assert remove_url(ticket, desk.bob) in content
    assert remove_url(ticket, hostile) in content


def test_nobody_copied_shows_no_list(client, desk, ticket):
    client.force_login(desk.person("agathe"))

    content = client.get(page(ticket)).content.decode()

    assert "/copies/" not in content


def _page_queries(client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(page(ticket))
    assert response.status_code == 200
    return len(context.captured_queries)


def test_the_list_costs_one_query_whatever_its_length(client, desk, ticket):
    others = [
        UserFactory(email=f"collegue{n}@finances.test", organisation=desk.finances)
        for n in range(9)
    ]
    client.force_login(desk.person("agathe"))
    copy(ticket, desk.bob)
    _page_queries(client, ticket)  # warm the session and the reference caches

    one = _page_queries(client, ticket)
    copy(ticket, *others)
    ten = _page_queries(client, ticket)

    assert one == ten
    assert len(client.get(page(ticket)).context["copies"]) == 10


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_an_agent_removes_a_copied_person_and_his_next_reply_is_held(client, desk, htmx):
    mailbox = make_mailbox(desk)
    request = simple(
        "alice@finances.test",
        "Imprimante bloquée",
        message_id="<demande-1@finances.test>",
        Cc="bob@finances.test",
    )
    ticket = receive_message(request, mailbox=mailbox, now=NOW).ticket
    assert list(TicketCopy.objects.filter(ticket=ticket).values_list("person", flat=True)) == [
        desk.bob.pk
    ]
    client.force_login(desk.person("agathe"))

    response = client.post(remove_url(ticket, desk.bob), headers=HTMX if htmx else {})

    assert response.status_code == (200 if htmx else 302)
    assert not TicketCopy.objects.filter(ticket=ticket).exists()
    event = ticket.events.order_by("-id").first()
    assert (event.kind, event.is_public, event.actor) == (
        TimelineEvent.Kind.SYSTEM,
        False,
        desk.agathe,
    )
    assert event.data == {"copies": "removed", "person": desk.bob.pk}
    page = client.get(f"/desk/tickets/{ticket.reference}/").content.decode()
    name = escape(str(desk.bob))
    assert f"Stopped copying {name}" in page or f"A retiré {name}" in page
    bobs_reply = simple(
        "bob@finances.test",
        "RE: Imprimante bloquée",
        message_id="<reponse-1@finances.test>",
        In_Reply_To="<demande-1@finances.test>",
    )
    result = receive_message(bobs_reply, mailbox=mailbox, now=NOW)
    assert (result.outcome, result.message.held_for) == ("held", ticket)


@pytest.mark.parametrize("person", ["chloe", "alice", "bob", "oscar"])
def test_only_the_tickets_agents_may_remove_someone(client, desk, ticket, person):
    # chloe: an agent of another team; alice: the requester; bob: the person copied himself.
    copy(ticket, desk.bob)
    client.force_login(desk.person(person))

    response = client.post(remove_url(ticket, desk.bob))

    assert response.status_code == 404
    assert TicketCopy.objects.filter(ticket=ticket, person=desk.bob).exists()


def test_removing_someone_not_copied_answers_404(client, desk, ticket):
    copy(ticket, desk.bob)
    client.force_login(desk.person("agathe"))

    response = client.post(remove_url(ticket, desk.carole))
    again = client.post(remove_url(ticket, desk.bob)), client.post(remove_url(ticket, desk.bob))

    assert response.status_code == 404
    assert [r.status_code for r in again] == [302, 404]  # the second click finds nobody


def test_removing_needs_a_post_with_the_csrf_token(desk, ticket):
    copy(ticket, desk.bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk.person("agathe"))

    assert client.get(remove_url(ticket, desk.bob)).status_code == 405
    assert client.post(remove_url(ticket, desk.bob)).status_code == 403
    assert TicketCopy.objects.filter(ticket=ticket, person=desk.bob).exists()
