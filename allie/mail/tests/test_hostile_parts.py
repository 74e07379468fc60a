"""Attachments whose part headers are mangled: the message and its parts are still kept."""

from __future__ import annotations

import pytest

from allie.mail.domain.parsing import ParsedMessage, parse_message
from allie.mail.services.intake import receive_message
from allie.mail.tests.test_intake_support import NOW, make_mailbox
from allie.tickets.models import Attachment
from allie.tickets.services import read_attachment

MANGLED = [
    b"application/pdf\xe9",  # a raw 8-bit byte
    b"app\xfflication/x-\xe9t\xe9",
    b"application/p\x00df",  # NUL: PostgreSQL refuses it in text
    b"image/\x01png",  # a control character
    b"message/rfc\xe9822",  # read as an attached message, then kept as such
]


def _with_part(content_type: bytes) -> bytes:
    return (
        b"From: Alice Bouchard <alice@finances.test>\r\nTo: soutien@desk.test\r\n"
        b"Subject: Facture\r\nMessage-ID: <mangled@finances.test>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLa facture est jointe.\r\n"
        b"--B\r\nContent-Type: " + content_type + b"\r\n"
        b"Content-Disposition: attachment; filename=facture.pdf\r\n\r\n%PDF-1.4\r\n--B--\r\n"
    )


@pytest.mark.parametrize("content_type", MANGLED)
def test_a_mangled_content_type_is_read_as_octet_stream(content_type: bytes) -> None:
    parsed = parse_message(_with_part(content_type))

    assert isinstance(parsed, ParsedMessage)
    [part] = parsed.attachments
    assert part.content_type == "application/octet-stream"
    assert part.filename == "facture.pdf"
    assert parsed.text == "La facture est jointe."


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", MANGLED)
def test_a_mangled_content_type_does_not_cost_the_message(desk, content_type: bytes) -> None:
    result = receive_message(_with_part(content_type), mailbox=make_mailbox(desk), now=NOW)

    assert (result.outcome, result.reason) == ("opened", "")
    [attachment] = Attachment.objects.filter(event=result.message.event)
    assert (attachment.original_name, attachment.content_type) == (
        "facture.pdf",
        "application/octet-stream",
    )
    with read_attachment(attachment) as stream:
        assert b"%PDF-1.4" in stream.read()


def test_a_clean_content_type_is_kept() -> None:
    parsed = parse_message(_with_part(b"Application/PDF; name=facture.pdf"))

    assert isinstance(parsed, ParsedMessage)
    assert [part.content_type for part in parsed.attachments] == ["application/pdf"]
