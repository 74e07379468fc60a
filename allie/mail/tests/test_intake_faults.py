"""Faults during intake: nothing lost, nothing duplicated; and a query count that stays fixed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from allie.mail.models import InboundMessage
from allie.mail.services import intake, rawstore
from allie.mail.services.intake import receive_message, reprocess_message
from allie.mail.tests.test_intake_support import (
    NOW,
    make_mailbox,
    raw,
    simple,
    stored_files,
    ticket_with_reference,
)
from allie.tickets.models import Attachment, Ticket
from allie.tickets.services import open_ticket

pytestmark = pytest.mark.django_db


def _database_down(*args, **kwargs):
    raise OperationalError("server closed the connection unexpectedly")


def test_a_database_failure_while_processing_keeps_the_message_for_a_reprocess(desk, monkeypatch):
    mailbox = make_mailbox(desk)
    message = raw("intake_new_request_fr.eml")
    monkeypatch.setattr(intake, "open_ticket", _database_down)

    failed = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1, now=NOW)

    assert failed.outcome == "failed"
    assert failed.stored
    row = InboundMessage.objects.get()
    assert row.status == "failed"
    assert row.attempts == 1
    assert row.reason == "OperationalError: server closed the connection unexpectedly"
    assert rawstore.read_raw(row.raw_path) == message
    assert Ticket.objects.count() == 0
    # Delivered again by the server before anyone reprocessed it: still one row.
    assert receive_message(message, mailbox=mailbox, uidvalidity=1, uid=1).outcome == "duplicate"

    monkeypatch.setattr(intake, "open_ticket", open_ticket)
    done = reprocess_message(row, now=NOW + timedelta(minutes=5))
    again = reprocess_message(InboundMessage.objects.get(), now=NOW + timedelta(minutes=6))

    assert done.outcome == "opened"
    assert again.outcome == "duplicate"
    row.refresh_from_db()
    assert row.status == "opened"
    assert row.attempts == 2
    assert row.ticket == done.ticket
    assert Ticket.objects.count() == 1
    assert Attachment.objects.filter(ticket=done.ticket).count() == 2


def test_a_failure_after_the_attachments_were_written_leaves_no_orphan_file(desk, monkeypatch):
    before = stored_files()
    monkeypatch.setattr(Attachment.objects, "bulk_create", _database_down)

    result = receive_message(raw("intake_new_request_fr.eml"), mailbox=make_mailbox(desk))

    assert result.outcome == "failed"
    assert stored_files() == before
    assert Ticket.objects.count() == 0


def test_when_the_row_cannot_be_stored_intake_raises_and_a_later_call_stores_it_once(
    desk, monkeypatch
):
    mailbox = make_mailbox(desk)
    message = raw("intake_new_request_fr.eml")
    monkeypatch.setattr(InboundMessage, "save", _database_down)

    with pytest.raises(OperationalError):
        receive_message(message, mailbox=mailbox, uidvalidity=1, uid=9, now=NOW)
    assert InboundMessage.objects.count() == 0

    monkeypatch.undo()
    first = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=9, now=NOW)
    second = receive_message(message, mailbox=mailbox, uidvalidity=1, uid=9, now=NOW)

    assert (first.outcome, second.outcome) == ("opened", "duplicate")
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_a_failed_message_whose_raw_file_is_gone_stays_failed(desk, monkeypatch, tmp_path):
    monkeypatch.setattr(intake, "open_ticket", _database_down)
    failed = receive_message(raw("intake_unknown_sender.eml"), mailbox=make_mailbox(desk))
    InboundMessage.objects.filter(pk=failed.message.pk).update(raw_path="00/00/missing.eml")

    result = reprocess_message(InboundMessage.objects.get())

    assert result.outcome == "failed"
    assert result.reason.startswith("raw message unreadable")
    assert InboundMessage.objects.get().attempts == 2


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as context:
        action()
    return len(context.captured_queries)


def _with_attachments(count: int, n: int) -> bytes:
    parts = "".join(
        f'--b\r\nContent-Type: text/plain; name="f{i}.txt"\r\n'
        f'Content-Disposition: attachment; filename="f{i}.txt"\r\n\r\nfichier {i}\r\n'
        for i in range(count)
    )
    return (
        f"From: Alice Bouchard <alice@finances.test>\r\nTo: soutien@desk.test\r\n"
        f"Subject: Pièces {n}\r\nMessage-ID: <attach-{n}@finances.test>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n{parts}--b--\r\n"
    ).encode()


def test_intake_queries_do_not_grow_with_attachments_nor_with_open_tickets(desk):
    mailbox = make_mailbox(desk)
    receive_message(_with_attachments(1, 0), mailbox=mailbox, now=NOW)  # warm the caches

    one = _queries(lambda: receive_message(_with_attachments(1, 1), mailbox=mailbox, now=NOW))
    ten = _queries(lambda: receive_message(_with_attachments(10, 2), mailbox=mailbox, now=NOW))
    for n in range(30):
        open_ticket(requester=desk.alice, title=f"Autre {n}", now=NOW)
    many = _queries(lambda: receive_message(_with_attachments(1, 3), mailbox=mailbox, now=NOW))

    assert one == ten == many


def test_threading_queries_do_not_grow_with_open_tickets(desk):
    mailbox = make_mailbox(desk)
    ticket_with_reference(desk.alice)
    reply_1 = raw("intake_reply_in_reply_to.eml")
    reply_2 = simple(
        "alice@finances.test",
        "Re: [D-000140] Écran",
        message_id="<reply-2@finances.test>",
        In_Reply_To="<D-000140.notice-1@desk.test>",
    )
    receive_message(
        simple("alice@finances.test", "Chaud", message_id="<warm@finances.test>"),
        mailbox=mailbox,
        now=NOW,
    )

    few = _queries(lambda: receive_message(reply_1, mailbox=mailbox, now=NOW))
    for n in range(30):
        open_ticket(requester=desk.alice, title=f"Autre {n}", now=NOW)
    many = _queries(lambda: receive_message(reply_2, mailbox=mailbox, now=NOW))

    assert few == many
    assert InboundMessage.objects.filter(status="threaded").count() == 2
