"""Threading against long and concurrent threads: a long References still finds its ticket,
replies to a closed ticket arriving together open one follow-up."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.services import intake, threads
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    make_mailbox,
    simple,
    ticket_with_reference,
)
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.services import transition

# Sixty ancestors: the desk's notice opened the thread, then the client's colleagues wrote.
LONG_REFERENCES = [NOTICE_ID, *(f"<colleague-{n}@finances.test>" for n in range(59))]


def _long_reply(message_id: str = "<reply-60@finances.test>") -> bytes:
    return simple(
        "Alice Bouchard <alice@finances.test>",
        "RE: Écran noir",  # no reference in the subject: only the headers thread it
        message_id=message_id,
        In_Reply_To=LONG_REFERENCES[-1],
        References=" ".join(LONG_REFERENCES),
    )


def test_a_long_references_keeps_its_root_beside_the_newest_ids() -> None:
    parsed = parse_message(_long_reply())
    assert isinstance(parsed, ParsedMessage)

    ids = threads.thread_ids(parsed)

    assert len(ids) == threads.MAX_IDS
    assert ids[: threads.MAX_IDS - 1] == LONG_REFERENCES[::-1][: threads.MAX_IDS - 1]
    assert ids[-1] == NOTICE_ID


@pytest.mark.django_db
def test_a_reply_with_sixty_references_of_which_only_the_root_is_known_threads(desk) -> None:
    ticket = ticket_with_reference(desk.alice)

    result = receive_message(_long_reply(), mailbox=make_mailbox(desk), now=NOW)

    assert (result.outcome, result.ticket) == ("threaded", ticket)


# --- Replies to a closed ticket: one follow-up, however many arrive at once --------------------


def _reply_to_closed(number: int) -> bytes:
    return simple(
        "Alice Bouchard <alice@finances.test>",
        "RE: [D-000140] Écran noir",
        message_id=f"<again-{number}@finances.test>",
        body=f"Toujours noir ({number}).\n",
        In_Reply_To=NOTICE_ID,
        References=NOTICE_ID,
    )


def _closed_ticket(desk):
    ticket = ticket_with_reference(desk.alice)
    transition(ticket, by=desk.person("alice"), command="cancel", now=NOW)
    return ticket


@pytest.mark.django_db
def test_a_second_reply_to_a_closed_ticket_joins_the_first_follow_up(desk) -> None:
    closed = _closed_ticket(desk)
    mailbox = make_mailbox(desk)

    first = receive_message(_reply_to_closed(1), mailbox=mailbox, now=NOW)
    second = receive_message(_reply_to_closed(2), mailbox=mailbox, now=NOW)

    assert (first.outcome, first.reason) == ("opened", f"follow-up of {closed.reference}")
    assert (second.outcome, second.ticket) == ("threaded", first.ticket)
    assert Ticket.objects.exclude(pk=closed.pk).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
def test_two_replies_to_a_closed_ticket_at_once_open_one_follow_up(desk, monkeypatch) -> None:
    closed = _closed_ticket(desk)
    mailbox = make_mailbox(desk)
    # Both look for a follow-up together, and each takes its time before committing: without
    # a lock, both find none and each opens one.
    both_look = threading.Barrier(2, timeout=30)
    look = intake._open_follow_up

    def look_together(ticket, person):
        both_look.wait()
        found = look(ticket, person)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(intake, "_open_follow_up", look_together)
    outcomes: list[str] = []

    def receive(number: int) -> None:
        try:
            outcomes.append(receive_message(_reply_to_closed(number), mailbox=mailbox).outcome)
        except BaseException as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=receive, args=(number,)) for number in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(outcomes) == ["opened", "threaded"]
    [follow_up] = Ticket.objects.exclude(pk=closed.pk)
    assert follow_up.events.filter(kind=TimelineEvent.Kind.PUBLIC_REPLY).count() == 1
