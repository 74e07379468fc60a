"""threads: which ticket a message continues, and who may write on it."""

from __future__ import annotations

import pytest

from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.models import InboundMessage
from allie.mail.services import threads
from allie.mail.tests.test_intake_support import NOTICE_ID, simple, ticket_with_reference


def _parsed(**headers: str) -> ParsedMessage:
    subject = headers.pop("Subject", "Bonjour")
    parsed = parse_message(
        simple("alice@finances.test", subject, message_id="<m@finances.test>", **headers)
    )
    assert isinstance(parsed, ParsedMessage)
    return parsed


def test_thread_ids_put_in_reply_to_first_then_references_newest_first():
    parsed = _parsed(In_Reply_To="<c@x>", References="<a@x> <b@x> <c@x>")

    assert threads.thread_ids(parsed) == ["<c@x>", "<b@x>", "<a@x>"]


@pytest.mark.parametrize(
    ("subject", "reference"),
    [
        ("RE: [D-000123] Imprimante", "D-000123"),
        ("Re: d-42 encore", "D-000042"),
        ("AD-12 n’est pas une référence", None),
        ("", None),
    ],
)
def test_reference_in_subject(subject, reference):
    assert threads.reference_in_subject(subject) == reference


@pytest.mark.django_db
def test_in_reply_to_wins_over_the_subject_and_inbound_ids_count_too(desk):
    by_subject = ticket_with_reference(desk.alice, "D-000150", notice=False)
    by_header = ticket_with_reference(desk.alice, "D-000151", notice=False)
    InboundMessage.objects.create(
        message_id="<earlier@finances.test>",
        raw_sha256="0" * 64,
        raw_path="x",
        received_at=by_header.created_at,
        ticket=by_header,
    )
    parsed = _parsed(Subject="Re: [D-000150] x", In_Reply_To="<earlier@finances.test>")

    assert threads.find_ticket(parsed, desk.person("alice")) == by_header
    assert threads.find_ticket(_parsed(Subject="[D-000150]"), desk.alice) == by_subject


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("person", "lands"),
    [
        ("alice", True),  # the requester
        ("carole", True),  # her organisation's contact
        ("agathe", True),  # an agent of a team serving Finances
        ("admin", True),
        ("bob", False),  # same organisation, not the contact
        ("chloe", False),  # an agent who does not serve Finances
        ("oscar", False),  # another organisation
    ],
)
def test_only_people_who_may_write_on_the_ticket_land_on_it(desk, person, lands):
    ticket = ticket_with_reference(desk.alice)
    parsed = _parsed(Subject="Re: [D-000140] Écran", In_Reply_To=NOTICE_ID)

    found = threads.find_ticket(parsed, desk.person(person))

    assert (found == ticket) is lands
    if not lands:
        assert found is None


@pytest.mark.django_db
def test_an_unknown_or_inactive_sender_lands_nowhere(desk):
    ticket_with_reference(desk.alice)
    parsed = _parsed(Subject="[D-000140]", In_Reply_To=NOTICE_ID)
    alice = desk.person("alice")
    alice.is_active = False

    assert threads.find_ticket(parsed, None) is None
    assert threads.find_ticket(parsed, alice) is None
