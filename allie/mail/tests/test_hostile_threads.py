"""Threading against long or concurrent threads: a long References still finds its ticket."""

from __future__ import annotations

import pytest

from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.services import threads
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    make_mailbox,
    simple,
    ticket_with_reference,
)

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
