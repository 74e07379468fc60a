"""Hostile and broken inbound mail: spoofed senders, parser bombs, odd charsets, loops."""

from __future__ import annotations

import base64
from email import feedparser
from typing import Any

import pytest

from allie.accounts.models import User
from allie.mail.domain.noise import classify
from allie.mail.domain.parsing import Address, ParsedMessage, parse_message
from allie.mail.models import InboundMessage, OutboundMessage, UnknownSenderPolicy
from allie.mail.services.intake import receive_message
from allie.mail.tests import build
from allie.mail.tests.test_intake_support import (
    NOTICE_ID,
    NOW,
    make_mailbox,
    simple,
    ticket_with_reference,
)
from allie.tickets.models import Ticket, TimelineEvent


def _parse(raw: bytes, **caps: Any) -> ParsedMessage:
    parsed = parse_message(raw, **caps)
    assert isinstance(parsed, ParsedMessage), parsed
    return parsed


def _from(value: bytes) -> ParsedMessage:
    return _parse(
        b"From: " + value + b"\r\nSubject: Re: x\r\nMessage-ID: <m@x.test>\r\n\r\nOui.\r\n"
    )


@pytest.fixture
def parts_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the MIME parts the stdlib parser builds (its work grows with them)."""
    count = [0]
    original = feedparser.FeedParser._new_message

    def counting(self: Any) -> None:
        count[0] += 1
        original(self)

    monkeypatch.setattr(feedparser.FeedParser, "_new_message", counting)
    return count


def _many_parts(count: int, **headers: str) -> bytes:
    fields = "".join(f"{name.replace('_', '-')}: {value}\r\n" for name, value in headers.items())
    parts = b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n" * count
    return (
        f"From: a@b.test\r\n{fields}Content-Type: multipart/mixed; boundary=B\r\n\r\n".encode()
        + parts
        + b"--B--\r\n"
    )


# Who wrote: a broken From must not let one person pass for another -----------------------


@pytest.mark.parametrize(
    "value",
    [
        b'"alice@finances.test <evil@x.test>',  # unclosed quote around both
        b"alice@finances.test <evil@x.test>",  # the parser keeps the first, drops the real one
        b"<alice@finances.test> <evil@x.test>",
        b"Alice <alice@finances.test<evil@x.test>>",
        b"alice@finances.test\x00@evil.test",  # NUL cut
        b"alice@finances.test, evil@x.test",  # several authors
    ],
)
def test_a_from_naming_several_addresses_has_no_sender(value: bytes) -> None:
    parsed = _from(value)

    assert parsed.sender is None
    assert parsed.sender_ambiguous


def test_two_from_fields_have_no_sender() -> None:
    parsed = _parse(b"From: evil@x.test\r\nFrom: alice@finances.test\r\n\r\nOui.\r\n")

    assert parsed.sender is None
    assert parsed.sender_ambiguous


def test_an_address_made_of_an_encoded_word_is_no_address() -> None:
    # RFC 2047 forbids encoded-words in an address; no mail server saw this one.
    parsed = _from(b"=?utf-8?q?alice=40finances=2Etest?=")

    assert parsed.sender is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"Bouchard, Alice <alice@finances.test>", Address("Alice", "alice@finances.test")),
        (
            b'"alice@finances.test" <alice@finances.test',
            Address("alice@finances.test", "alice@finances.test"),
        ),
        (b"MAILER-DAEMON", Address("", "mailer-daemon")),
        (b'"support@desk.test" <evil@x.test>', Address("support@desk.test", "evil@x.test")),
    ],
)
def test_a_single_address_is_still_found_in_a_clumsy_from(value: bytes, expected: Address) -> None:
    parsed = _from(value)

    assert parsed.sender == expected
    assert not parsed.sender_ambiguous


# Charsets written in ASCII bytes ----------------------------------------------------------


def test_iso_2022_jp_subject_and_body_are_decoded() -> None:
    parsed = _parse(
        b"From: a@b.test\r\nSubject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\n"
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$BF|K\\8l\x1b(B\r\n"
    )

    assert parsed.subject == "日本語"
    assert parsed.text == "日本語"


def test_utf_7_body_is_decoded() -> None:
    parsed = _parse(
        b"From: a@b.test\r\nContent-Type: text/plain; charset=utf-7\r\n\r\nD+AOk-j+AOA- vu\r\n"
    )

    assert parsed.text == "Déjà vu"


# MIME bombs and broken structure ----------------------------------------------------------


def test_thousands_of_empty_parts_are_not_all_handed_to_the_parser(parts_built) -> None:
    parsed = _parse(_many_parts(20_000))

    assert parsed.parts_capped
    assert parts_built[0] <= 1_001  # 20,001 before: seconds of parsing for 700 kB


def test_a_header_of_nested_comments_does_not_make_the_message_unparseable() -> None:
    nested = b"(" * 5_000 + b")" * 5_000
    parsed = _parse(
        b"From: a@b.test\r\nContent-Type: text/plain; charset=utf-8 " + nested + b"\r\n\r\nOui.\r\n"
    )

    assert parsed.text == "Oui."


def test_a_message_over_the_size_cap_is_read_up_to_its_header_block(parts_built) -> None:
    raw = _many_parts(5_000, Subject="Gros", Message_ID="<big@b.test>")

    parsed = _parse(raw, max_bytes=1_000)

    assert parsed.size_capped
    assert parsed.size == len(raw)
    assert (parsed.message_id, parsed.subject, parsed.sender) == (
        "<big@b.test>",
        "Gros",
        Address("", "a@b.test"),
    )
    assert parsed.attachments == ()
    assert parts_built[0] == 1


@pytest.mark.parametrize("content_type", ["multipart/mixed", "multipart/mixed; boundary=ZZ"])
def test_a_multipart_that_cannot_be_split_is_read_as_text(content_type: str) -> None:
    parsed = _parse(
        f"From: a@b.test\r\nContent-Type: {content_type}\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nL'imprimante est en panne.\r\n--B--\r\n".encode()
    )

    assert "L'imprimante est en panne." in parsed.text
    assert parsed.attachments == ()


def test_a_base64_encoded_forwarded_message_is_kept_decoded() -> None:
    inner = b"From: c@d.test\r\nSubject: Facture\r\n\r\nVoici la facture.\r\n"
    parsed = _parse(
        b"From: a@b.test\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nVoir le message joint.\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner)
        + b"--B--\r\n"
    )

    (attached,) = parsed.attachments
    assert attached.filename == "Facture.eml"
    assert attached.data == inner


def test_copies_without_message_id_delivered_twice_share_one_id() -> None:
    body = b"From: a@b.test\r\nSubject: Panne\r\nDate: Mon, 10 Mar 2025 10:00:00 -0400\r\n\r\nx\r\n"
    first = _parse(b"Received: from mx1\r\nDelivered-To: soutien@desk.test\r\n" + body)
    second = _parse(b"Received: from mx2\r\nDelivered-To: aide@desk.test\r\n" + body)

    assert first.message_id_synthetic
    assert first.message_id == second.message_id


# Noise -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "noise"),
    [
        ({"Auto-Submitted": "no (sent by hand)"}, False),
        ({"Auto-Submitted": "auto-replied (vacation)"}, True),
        ({"Subject": "Out of Office AutoReply: Imprimante"}, True),  # Exchange 2003/2007
        ({"Subject": "AUTO: Alice Bouchard is out of the office (returning 03/12/2025)"}, True),
        ({"Subject": "AUTO : Alice Bouchard est absente du bureau (retour le 12/03/2025)"}, True),
        ({"Subject": "Auto : la voiture de service ne démarre pas"}, False),
    ],
)
def test_auto_reply_spellings(headers: dict[str, str], noise: bool) -> None:
    parsed = _parse(build({"From": "alice@finances.test", "Subject": "Bonjour"} | headers))

    assert (classify(parsed, desk_addresses={"soutien@desk.test"}) is not None) is noise


# Intake --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_spoofed_from_never_lands_on_the_victims_ticket_nor_gets_an_answer(desk):
    mailbox = make_mailbox(desk, UnknownSenderPolicy.REJECT)
    ticket = ticket_with_reference(desk.alice)
    outbox = OutboundMessage.objects.count()
    message = simple(
        "alice@finances.test <evil@x.test>",
        "Re: [D-000140] Écran noir",
        message_id="<spoof@x.test>",
        In_Reply_To=NOTICE_ID,
        body="Veuillez verser le paiement sur ce compte.\n",
    )

    result = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "ignored"
    assert result.reason == "ambiguous sender: From names several addresses"
    kinds = set(TimelineEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == {TimelineEvent.Kind.OPENED}
    assert OutboundMessage.objects.count() == outbox


@pytest.mark.django_db
def test_last_first_names_without_quotes_still_thread(desk):
    mailbox = make_mailbox(desk)
    ticket = ticket_with_reference(desk.alice)
    message = simple(
        "Bouchard, Alice <alice@finances.test>",
        "Re: [D-000140] Écran noir",
        message_id="<lastfirst@finances.test>",
        In_Reply_To=NOTICE_ID,
    )

    result = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "threaded"
    assert result.ticket == ticket


@pytest.mark.django_db
def test_one_message_without_message_id_sent_to_two_desk_addresses_opens_one_ticket(desk):
    first_box = make_mailbox(desk)
    second_box = make_mailbox(desk, name="Aide", address="aide@desk.test", username="aide")
    message = (
        b"From: Alice Bouchard <alice@finances.test>\r\n"
        b"To: soutien@desk.test, aide@desk.test\r\nSubject: Imprimante\r\n"
        b"Date: Mon, 10 Mar 2025 10:00:00 -0400\r\n\r\nElle ne marche pas.\r\n"
    )

    first = receive_message(
        b"Delivered-To: soutien@desk.test\r\n" + message, mailbox=first_box, uidvalidity=1, uid=1
    )
    second = receive_message(
        b"Delivered-To: aide@desk.test\r\n" + message, mailbox=second_box, uidvalidity=1, uid=1
    )

    assert first.outcome == "opened"
    assert second.outcome == "duplicate"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_our_own_message_coming_back_rewritten_is_ignored(desk):
    # A list relays our notice: loop header stripped, From rewritten, Message-ID kept.
    mailbox = make_mailbox(desk)
    ticket_with_reference(desk.alice)
    outbox = OutboundMessage.objects.count()
    message = simple(
        "Liste <liste@lists.test>", "[D-000140] Écran noir", message_id=NOTICE_ID, body="Reçu.\n"
    )

    result = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "ignored"
    assert "came back" in result.reason
    assert Ticket.objects.count() == 1
    assert OutboundMessage.objects.count() == outbox
    assert not User.objects.filter(email="liste@lists.test").exists()


@pytest.mark.django_db
def test_a_display_name_holding_another_address_does_not_name_the_new_requester(desk):
    mailbox = make_mailbox(desk)
    message = simple('"carole@finances.test" <evil@x.test>', "Facture", message_id="<name@x.test>")

    result = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "opened"
    assert result.ticket.requester.email == "evil@x.test"
    assert result.ticket.requester.full_name == "evil"


@pytest.mark.django_db
def test_a_message_over_the_size_cap_is_stored_ignored_without_being_parsed(
    desk, settings, parts_built
):
    settings.MAIL_MAX_BYTES = 10_000
    mailbox = make_mailbox(desk)
    raw = _many_parts(5_000, Subject="Trop gros", Message_ID="<big@finances.test>")

    result = receive_message(raw, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "ignored"
    row = InboundMessage.objects.get()
    assert (row.message_id, row.subject, row.size) == ("<big@finances.test>", "Trop gros", len(raw))
    assert parts_built[0] == 1


@pytest.mark.django_db
def test_an_address_longer_than_any_real_one_is_no_usable_sender(desk):
    mailbox = make_mailbox(desk)
    address = "x" * 250 + "@finances.test"  # cut to 254 characters it would escape the limit
    message = simple(address, "Bonjour", message_id="<long@x.test>")

    result = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert result.outcome == "ignored"
    assert result.reason == "no usable sender address"
    assert not User.objects.filter(email__startswith="xxxx").exists()
