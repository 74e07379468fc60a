"""Shared set-up of the intake tests (no tests here): a mailbox, known tickets, raw messages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from allie.mail.models import Mailbox, OutboundMessage, UnknownSenderPolicy
from allie.mail.services.outbox import enqueue_message
from allie.mail.tests import MESSAGES, build
from allie.tickets.models import Channel, Ticket
from allie.tickets.services import open_ticket

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=UTC)
NOTICE_ID = "<D-000140.notice-1@desk.test>"  # the desk's notice that intake fixtures answer


def raw(name: str) -> bytes:
    return (MESSAGES / name).read_bytes()


def make_mailbox(desk: Any, policy: str = UnknownSenderPolicy.CREATE, **fields: Any) -> Mailbox:
    values = {
        "name": "Soutien",
        "address": "soutien@desk.test",
        "host": "127.0.0.1",
        "port": 143,
        "username": "soutien",
        "organisation": desk.finances,
        "service": desk.service,
        "unknown_senders": policy,
    } | fields
    return Mailbox.objects.create(**values)


def _keep_ids_clear_of(number: int) -> None:
    """Let no ticket opened later in the test draw the id whose reference was given away.

    On PostgreSQL the id sequence is not rolled back with each test, so the suite's 140th
    ticket would be D-000140 too; SQLite's ids restart with each test's transaction.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('tickets_ticket', 'id')")
        sequence = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT setval(%s, GREATEST((SELECT last_value FROM {sequence}), %s))",  # noqa: S608
            [sequence, number],
        )


def ticket_with_reference(
    requester: Any, reference: str = "D-000140", *, title: str = "Écran noir", notice: bool = True
) -> Ticket:
    """Open a ticket, give it a known reference, and record the desk's notice about it."""
    ticket = open_ticket(requester=requester, title=title, channel=Channel.EMAIL, now=NOW)
    Ticket.objects.filter(pk=ticket.pk).update(reference=reference)
    ticket.refresh_from_db()
    _keep_ids_clear_of(int(reference.rsplit("-", 1)[-1]))
    if notice:
        message = enqueue_message(
            to_address=requester.email,
            subject=f"[{reference}] {title}",
            text_body="Reçu.",
            kind="notification",
            language="fr-ca",
            ticket=ticket,
            now=NOW,
        )
        OutboundMessage.objects.filter(pk=message.pk).update(message_id=NOTICE_ID)
    return ticket


def simple(
    sender: str, subject: str, *, message_id: str, body: str = "Bonjour.\n", **headers: str
) -> bytes:
    fields = {
        "From": sender,
        "To": "soutien@desk.test",
        "Subject": subject,
        "Date": "Mon, 10 Mar 2025 10:00:00 -0400",
        "Message-ID": message_id,
    } | {name.replace("_", "-"): value for name, value in headers.items()}
    return build(fields, body)


def stored_files() -> set[Path]:
    root = Path(settings.ATTACHMENTS_ROOT)
    return {path for path in root.rglob("*") if path.is_file()}


class HeldScene:
    """Alice's ticket D-000140 (with the desk's notice about it) and the desk's mailbox: the
    ticket a stranger's reply is held for."""

    def __init__(self, desk: Any) -> None:
        self.mailbox = make_mailbox(desk)
        self.ticket = ticket_with_reference(desk.alice)
