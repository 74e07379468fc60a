"""People copied on a request may write on it by mail (DESIGN, intake).

Alice writes to the desk with colleagues, outsiders and agents in Cc: only her colleagues are
copied; their replies land as their own public replies while they stay active and in Finances;
anyone else's still waits for review.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allie.accounts.models import User
from allie.mail.models import InboundMessage
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOW, make_mailbox, simple
from allie.tickets.models import Status, Ticket, TicketCopy, TimelineEvent
from allie.tickets.services import copy_people, open_ticket, remove_copy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REQUEST_ID = "<demande-1@finances.test>"


def new_request(cc: str, *, number: int = 1, to: str = "soutien@desk.test") -> bytes:
    return simple(
        "Alice Bouchard <alice@finances.test>",
        "Imprimante du 3e bloquée",
        message_id=f"<demande-{number}@finances.test>",
        body="L'imprimante du 3e étage affiche une erreur.\n",
        To=to,
        Cc=cc,
    )


def reply_all(sender: str, *, number: int, cc: str = "", body: str = "Chez moi aussi.\n") -> bytes:
    """A reply-all to Alice's first message, by its Message-ID."""
    headers = {"In_Reply_To": REQUEST_ID, "References": REQUEST_ID}
    if cc:
        headers["Cc"] = cc
    return simple(
        sender,
        "RE: Imprimante du 3e bloquée",
        message_id=f"<reponse-{number}@elsewhere.test>",
        body=body + "\n> L'imprimante du 3e étage affiche une erreur.\n",
        **headers,
    )


@pytest.fixture
def mailbox(desk):
    return make_mailbox(desk)


@pytest.fixture
def opened(desk, mailbox) -> Ticket:
    """Alice's request with bob (colleague), oscar (another organisation), an unknown address
    and agathe (an agent) in Cc."""
    people = User.objects.count()
    result = receive_message(
        new_request(
            "Bob Pelletier <bob@finances.test>, oscar@autre.test, "
            "inconnu@finances.test, Agathe <agathe@desk.test>"
        ),
        mailbox=mailbox,
        now=NOW,
    )
    assert result.outcome == "opened"
    assert User.objects.count() == people  # the unknown address got no account
    return result.ticket


def copied(ticket: Ticket) -> set[str]:
    return set(TicketCopy.objects.filter(ticket=ticket).values_list("person__email", flat=True))


def test_only_the_requesters_colleagues_in_cc_are_copied(desk, opened):
    assert copied(opened) == {"bob@finances.test"}
    row = TicketCopy.objects.get(ticket=opened)
    assert (row.source, row.added_by, row.added_at) == ("mail", desk.alice, NOW)


def test_a_copied_colleagues_reply_all_lands_as_his_public_reply(desk, mailbox, opened):
    result = receive_message(
        reply_all("bob@finances.test", number=1), mailbox=mailbox, now=NOW + timedelta(minutes=5)
    )

    assert (result.outcome, result.ticket) == ("threaded", opened)
    event = result.message.event
    assert (event.kind, event.actor, event.is_public) == (
        TimelineEvent.Kind.PUBLIC_REPLY,
        desk.bob,
        True,
    )
    assert event.body == "Chez moi aussi."
    opened.refresh_from_db()
    assert opened.requester_reply_count == 1
    assert opened.requester == desk.alice  # still Alice's request


def test_a_copied_colleague_answers_for_the_requester_when_we_wait_on_her(desk, mailbox, opened):
    Ticket.objects.filter(pk=opened.pk).update(
        status=Status.WAITING_ON_REQUESTER, owner=desk.agathe
    )

    result = receive_message(reply_all("bob@finances.test", number=1), mailbox=mailbox, now=NOW)

    assert result.outcome == "threaded"
    assert Ticket.objects.get(pk=opened.pk).status == Status.IN_PROGRESS


def test_someone_of_another_organisation_is_still_held(desk, mailbox, opened):
    result = receive_message(reply_all("oscar@autre.test", number=1), mailbox=mailbox, now=NOW)

    assert (result.outcome, result.message.held_for) == ("held", opened)
    assert not opened.events.filter(actor=desk.oscar).exists()


def test_once_removed_the_colleagues_next_reply_is_held(desk, mailbox, opened):
    assert receive_message(reply_all("bob@finances.test", number=1), mailbox=mailbox).outcome == (
        "threaded"
    )

    event = remove_copy(opened, person_pk=desk.bob.pk, by=desk.person("agathe"), now=NOW)
    result = receive_message(reply_all("bob@finances.test", number=2), mailbox=mailbox, now=NOW)

    assert (event.kind, event.is_public) == (TimelineEvent.Kind.SYSTEM, False)
    assert event.data == {"copies": "removed", "person": desk.bob.pk}
    assert copied(opened) == set()
    assert (result.outcome, result.message.held_for) == ("held", opened)


def test_a_copied_colleague_who_moved_to_another_organisation_is_held(desk, mailbox, opened):
    User.objects.filter(pk=desk.bob.pk).update(organisation=desk.other)

    result = receive_message(reply_all("bob@finances.test", number=1), mailbox=mailbox, now=NOW)

    assert result.outcome == "held"
    assert copied(opened) == {"bob@finances.test"}  # the row stays; it gives no right


def test_a_copied_colleague_who_was_deactivated_is_held(desk, mailbox, opened):
    User.objects.filter(pk=desk.bob.pk).update(is_active=False)

    result = receive_message(reply_all("bob@finances.test", number=1), mailbox=mailbox, now=NOW)

    assert result.outcome == "held"


def test_a_copied_colleagues_mail_on_a_closed_request_waits_for_review(desk, mailbox, opened):
    Ticket.objects.filter(pk=opened.pk).update(status=Status.CLOSED)
    tickets = Ticket.objects.count()

    result = receive_message(reply_all("bob@finances.test", number=1), mailbox=mailbox, now=NOW)

    assert (result.outcome, result.message.held_for) == ("held", opened)
    assert "only copied" in result.reason
    assert Ticket.objects.count() == tickets  # no follow-up opened in bob's name


def test_people_are_copied_once(desk, mailbox, opened):
    # Alice writes again, bob twice in Cc in another case, and her own reply-all copies nobody new.
    dave = UserFactory(email="dave@finances.test", organisation=desk.finances)
    again = simple(
        "alice@finances.test",
        "RE: Imprimante du 3e bloquée",
        message_id="<relance-1@finances.test>",
        body="Toujours bloquée.\n",
        In_Reply_To=REQUEST_ID,
        Cc="BOB@Finances.test, bob@finances.test, dave@finances.test, alice@finances.test",
    )

    assert receive_message(again, mailbox=mailbox, now=NOW).outcome == "threaded"
    assert receive_message(again.replace(b"relance-1", b"relance-2"), mailbox=mailbox).outcome == (
        "threaded"
    )

    assert TicketCopy.objects.filter(ticket=opened).count() == 2
    assert copied(opened) == {"bob@finances.test", dave.email}


def test_a_copied_colleagues_reply_copies_the_colleagues_he_adds(desk, mailbox, opened):
    dave = UserFactory(email="dave@finances.test", organisation=desk.finances)

    result = receive_message(
        reply_all("bob@finances.test", number=1, cc="dave@finances.test, oscar@autre.test"),
        mailbox=mailbox,
        now=NOW,
    )

    assert result.outcome == "threaded"
    assert copied(opened) == {"bob@finances.test", dave.email}
    assert TicketCopy.objects.get(ticket=opened, person=dave).added_by == desk.bob


def test_held_mail_copies_nobody(desk, mailbox, opened):
    dave = UserFactory(email="dave@finances.test", organisation=desk.finances)
    carole_cc = "carole@finances.test, dave@finances.test"

    result = receive_message(
        reply_all("oscar@autre.test", number=1, cc=carole_cc), mailbox=mailbox, now=NOW
    )

    assert result.outcome == "held"
    assert copied(opened) == {"bob@finances.test"}
    assert not TicketCopy.objects.filter(person=dave).exists()


def test_the_requester_the_sender_and_the_desk_are_never_copied(desk, mailbox):
    # Carole (the contact) writes for the desk's mailbox with Alice and herself in Cc.
    message = simple(
        "carole@finances.test",
        "Accès",
        message_id="<acces-1@finances.test>",
        Cc="carole@finances.test, soutien@desk.test, alice@finances.test",
    )

    result = receive_message(message, mailbox=mailbox, now=NOW)

    assert result.outcome == "opened"
    assert copied(result.ticket) == {"alice@finances.test"}  # Alice is not its requester here
    assert result.ticket.requester == desk.carole


def test_copy_people_is_idempotent(desk):
    ticket = open_ticket(requester=desk.alice, title="Écran", now=NOW)

    copy_people(ticket, [desk.bob, desk.bob], by=None, source=TicketCopy.Source.AGENT, now=NOW)
    copy_people(ticket, [desk.bob], by=desk.alice, source=TicketCopy.Source.MAIL, now=NOW)

    row = TicketCopy.objects.get(ticket=ticket)
    assert (row.person, row.source, row.added_by) == (desk.bob, "agent", None)


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def test_intake_queries_do_not_grow_with_the_people_in_cc(desk, mailbox):
    colleagues = [
        UserFactory(email=f"collegue{n}@finances.test", organisation=desk.finances)
        for n in range(5)
    ]
    one_cc, five_cc = colleagues[0].email, ", ".join(person.email for person in colleagues)
    receive_message(new_request("bob@finances.test", number=10), mailbox=mailbox, now=NOW)

    def opening(number: int, cc: str) -> int:
        message = new_request(f"bob@finances.test, {cc}", number=number)
        return _queries(lambda: receive_message(message, mailbox=mailbox, now=NOW))

    def bobs_reply(number: int, cc: str) -> int:
        message = reply_all("bob@finances.test", number=number, cc=cc).replace(
            REQUEST_ID.encode(), f"<demande-{number - 10}@finances.test>".encode()
        )
        return _queries(lambda: receive_message(message, mailbox=mailbox, now=NOW))

    opened_one, opened_five = opening(11, one_cc), opening(12, five_cc)
    threaded_one, threaded_five = bobs_reply(21, one_cc), bobs_reply(22, five_cc)

    assert opened_one == opened_five
    assert threaded_one == threaded_five
    tickets = Ticket.objects.filter(title="Imprimante du 3e bloquée")
    assert TicketCopy.objects.filter(ticket__in=tickets).count() == 1 + 2 + 6
    assert InboundMessage.objects.filter(status="threaded").count() == 2
