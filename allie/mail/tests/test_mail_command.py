"""`allie mail poll` and `allie mail send`: the worker's two jobs, run by hand."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from allie.mail.models import InboundMessage, Mailbox, OutboundMessage, Security
from allie.mail.services.outbox import enqueue_message
from allie.mail.tests import MESSAGES
from tests.servers.dovecot import closed_port, dovecot, imap_account  # noqa: F401
from tests.servers.smtp import running_smtp_server

pytestmark = pytest.mark.django_db


def _mailbox(desk, account, **fields) -> Mailbox:
    values = {
        "name": "Soutien",
        "address": "soutien@desk.test",
        "host": account.server.host,
        "port": account.server.port,
        "security": Security.NONE,
        "username": account.username,
        "password": account.password,
        "organisation": desk.finances,
        "service": desk.service,
    } | fields
    return Mailbox.objects.create(**values)


def test_poll_reads_every_active_mailbox_now_and_says_what_it_did(desk, imap_account):  # noqa: F811
    _mailbox(desk, imap_account)
    imap_account.append((MESSAGES / "intake_new_request_fr.eml").read_bytes())
    out = StringIO()

    call_command("mail", "poll", stdout=out)

    assert "soutien@desk.test: opened 1" in out.getvalue()
    assert InboundMessage.objects.get().status == "opened"


def test_poll_fails_naming_the_mailbox_that_could_not_be_reached(desk, imap_account):  # noqa: F811
    _mailbox(desk, imap_account, port=closed_port())
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("mail", "poll", stderr=err)

    assert "soutien@desk.test" in err.getvalue()


def test_send_delivers_the_due_outbox_over_smtp(desk, settings):
    with running_smtp_server() as server:
        server.configure(settings)
        for number in range(3):
            enqueue_message(
                to_address="alice@finances.test",
                subject=f"Avis {number}",
                text_body="Bonjour.",
                kind="notification",
                language="fr-ca",
            )
        out = StringIO()

        call_command("mail", "send", stdout=out)

        assert out.getvalue().strip() == "sent 3"
        assert len(server.received) == 3
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_notification_is_written_when_it_is_sent(desk, settings):
    from datetime import timedelta

    from django.utils import timezone

    from allie.tickets.services import open_ticket

    ticket = open_ticket(requester=desk.person("alice"), title="Écran noir", service=desk.service)
    queued = OutboundMessage.objects.get(ticket=ticket)
    assert queued.text_body == ""  # gathered, not yet written
    OutboundMessage.objects.filter(pk=queued.pk).update(
        send_after=timezone.now() - timedelta(seconds=1)
    )
    with running_smtp_server() as server:
        server.configure(settings)
        call_command("mail", "send", stdout=StringIO())
        [received] = server.received
    message = received.message()
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert ticket.reference in body
    assert ticket.reference in message["Subject"]
    queued.refresh_from_db()
    assert ticket.reference in queued.text_body  # what was sent is kept
