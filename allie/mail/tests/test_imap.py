"""Polling IMAP against a real dovecot (the `dovecot`/`imap_account` fixtures start it).

Every test here talks to a real server on loopback; none mocks IMAP.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP

import pytest
from django.utils import timezone

from allie.mail.domain.parsing import parse_message
from allie.mail.models import InboundMessage, Mailbox, OutboundMessage, Security
from allie.mail.services.imap import poll_due_mailboxes, poll_mailbox
from allie.mail.services.intake import receive_message
from allie.mail.services.outbox import enqueue_message
from allie.mail.services.rawstore import read_raw
from allie.mail.tasks import poll_mailboxes, send_outbox
from allie.mail.tests import MESSAGES, build
from tests.servers.dovecot import closed_port, dovecot, imap_account  # noqa: F401

SEEN = "\\Seen"


def message(subject: str = "L’imprimante ne répond plus", **headers: str) -> bytes:
    fields = {
        "From": "Alice Bouchard <alice@finances.test>",
        "To": "soutien@desk.test",
        "Subject": subject,
        "Date": "Mon, 10 Mar 2025 10:00:00 -0400",
        "Message-ID": f"<{secrets.token_hex(8)}@finances.test>",
    } | headers
    return build(fields, "Bonjour,\r\nl’imprimante du 3e ne répond plus.\r\n")


@pytest.fixture
def make_mailbox(desk, imap_account):  # noqa: F811 - pytest fixtures
    def make(**fields) -> Mailbox:
        values = {
            "name": "Soutien",
            "address": f"soutien-{secrets.token_hex(3)}@desk.test",
            "host": imap_account.server.host,
            "port": imap_account.server.port,
            "security": Security.NONE,
            "username": imap_account.username,
            "password": imap_account.password,
            "organisation": desk.finances,
            "service": desk.service,
            "unknown_senders": "create",
        } | fields
        return Mailbox.objects.create(**values)

    return make


def test_poll_stores_every_test_message_then_flags_it_seen(imap_account, make_mailbox):  # noqa: F811
    mailbox = make_mailbox()
    files = sorted(MESSAGES.glob("*.eml"))
    uids = [imap_account.append(path.read_bytes()) for path in files]
    message_ids = {parse_message(path.read_bytes()).message_id for path in files}

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    assert result.fetched == len(files)
    assert InboundMessage.objects.filter(mailbox=mailbox).count() == len(message_ids)
    assert set(InboundMessage.objects.values_list("message_id", flat=True)) == message_ids
    flags = imap_account.flags()
    assert all(SEEN in flags[uid] for uid in uids)
    mailbox.refresh_from_db()
    assert mailbox.uidvalidity == imap_account.uidvalidity()
    assert mailbox.last_polled_at is not None
    assert (mailbox.failures, mailbox.last_error) == (0, "")


def test_poll_again_imports_nothing_when_no_new_mail(imap_account, make_mailbox):  # noqa: F811
    mailbox = make_mailbox()
    imap_account.append(message())
    poll_mailbox(mailbox)

    result = poll_mailbox(mailbox)

    assert result.ok
    assert result.fetched == 0
    assert InboundMessage.objects.count() == 1


def test_poll_stores_the_raw_bytes_the_server_holds(imap_account, make_mailbox):  # noqa: F811
    mailbox = make_mailbox()
    raw = message()
    uid = imap_account.append(raw)

    poll_mailbox(mailbox)

    stored = InboundMessage.objects.get()
    assert (stored.uid, stored.uidvalidity, stored.source) == (uid, mailbox.uidvalidity, "imap")
    assert read_raw(stored.raw_path) == raw
    assert stored.status == InboundMessage.Status.OPENED


def test_same_message_appended_again_is_flagged_but_not_imported_twice(
    imap_account,  # noqa: F811
    make_mailbox,
):
    mailbox = make_mailbox()
    raw = message()
    first = imap_account.append(raw)
    poll_mailbox(mailbox)
    second = imap_account.append(raw)  # same Message-ID, new UID

    result = poll_mailbox(mailbox)

    assert result.counts == {"duplicate": 1}
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().uid == first
    assert SEEN in imap_account.flags()[second]


def test_message_stored_but_not_yet_flagged_is_flagged_without_importing(
    imap_account,  # noqa: F811
    make_mailbox,
):
    # The worker died between storing and flagging: the message is stored, still unseen.
    mailbox = make_mailbox()
    raw = message()
    uid = imap_account.append(raw)
    receive_message(raw, mailbox=mailbox, uidvalidity=imap_account.uidvalidity(), uid=uid)

    result = poll_mailbox(mailbox)

    assert result.counts == {"duplicate": 1}
    assert InboundMessage.objects.count() == 1
    assert SEEN in imap_account.flags()[uid]


def test_move_mode_puts_processed_mail_in_its_folder_and_creates_it(
    imap_account,  # noqa: F811
    make_mailbox,
):
    mailbox = make_mailbox(processed_folder="Traités")
    # Read in a mail client before the desk polled: moved mode still imports it.
    imap_account.append(message(), flags=SEEN)
    imap_account.append(message())

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    assert result.counts == {"opened": 2}
    assert "Trait&AOk-s" in imap_account.folders()  # modified UTF-7 on the wire
    assert imap_account.flags("INBOX") == {}
    assert len(imap_account.flags("Trait&AOk-s")) == 2
    assert poll_mailbox(mailbox).fetched == 0


def test_poll_takes_a_20_mb_attachment_through_imap(imap_account, make_mailbox):  # noqa: F811
    mailbox = make_mailbox()
    mail = EmailMessage(policy=SMTP)
    mail["From"] = "alice@finances.test"
    mail["To"] = "soutien@desk.test"
    mail["Subject"] = "Journal du serveur"
    mail["Message-ID"] = "<journal-20mb@finances.test>"
    mail.set_content("Le journal est joint.\n")
    mail.add_attachment(
        os.urandom(20 * 1024 * 1024),
        maintype="application",
        subtype="octet-stream",
        filename="serveur.log",
    )
    raw = mail.as_bytes()
    uid = imap_account.append(raw)

    result = poll_mailbox(mailbox)

    assert result.ok, result.error
    stored = InboundMessage.objects.get()
    assert stored.size == len(raw) > 20 * 1024 * 1024
    assert stored.raw_sha256 == hashlib.sha256(raw).hexdigest()
    assert SEEN in imap_account.flags()[uid]


def test_poll_reads_over_tls_with_a_trusted_certificate(
    imap_account,  # noqa: F811
    make_mailbox,
    settings,
):
    if imap_account.server.ca_file is None:
        pytest.skip("openssl is needed to make the test certificate")
    settings.MAIL_IMAP_CA_FILE = imap_account.server.ca_file
    over_ssl = make_mailbox(security=Security.SSL, port=imap_account.server.tls_port)
    over_starttls = make_mailbox(security=Security.STARTTLS)
    imap_account.append(message())

    first = poll_mailbox(over_ssl)
    second = poll_mailbox(over_starttls)

    assert first.ok, first.error
    assert second.ok, second.error
    assert first.counts == {"opened": 1}
    assert second.fetched == 0  # already flagged by the first


def test_poll_due_mailboxes_respects_each_interval(desk, make_mailbox):
    now = timezone.now()
    port = closed_port()
    never = make_mailbox(port=port)
    recent = make_mailbox(port=port, poll_interval=60)
    old = make_mailbox(port=port, poll_interval=60)
    inactive = make_mailbox(port=port, is_active=False)
    Mailbox.objects.filter(pk=recent.pk).update(last_polled_at=now - timedelta(seconds=30))
    Mailbox.objects.filter(pk=old.pk).update(last_polled_at=now - timedelta(seconds=58))

    polled = poll_due_mailboxes(now=now)

    assert polled == 2
    polled_at = dict(Mailbox.objects.values_list("pk", "last_polled_at"))
    assert polled_at[never.pk] == polled_at[old.pk] == now
    assert polled_at[recent.pk] == now - timedelta(seconds=30)
    assert polled_at[inactive.pk] is None
    assert poll_due_mailboxes(now=now + timedelta(seconds=10)) == 0


def test_one_broken_mailbox_does_not_stop_the_others(imap_account, make_mailbox):  # noqa: F811
    broken = make_mailbox(name="A cassée", port=closed_port())
    working = make_mailbox(name="B")
    imap_account.append(message())

    polled = poll_due_mailboxes()

    assert polled == 2
    broken.refresh_from_db()
    assert broken.failures == 1
    assert InboundMessage.objects.get().mailbox == working


def test_periodic_tasks_call_the_services(imap_account, make_mailbox, mailoutbox):  # noqa: F811
    make_mailbox()
    imap_account.append(message())
    enqueue_message(
        to_address="alice@finances.test",
        subject="Bonjour",
        text_body="Bonjour Alice.",
        kind="notification",
        language="fr-ca",
    )

    assert poll_mailboxes.call_local() == 1
    assert send_outbox.call_local() >= 1

    assert InboundMessage.objects.count() == 1
    assert OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).exists()
