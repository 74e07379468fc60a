"""Faults while polling IMAP (real dovecot): nothing lost, nothing duplicated, errors visible."""

from __future__ import annotations

import secrets
import socket

import pytest
from django.db import OperationalError
from django.urls import reverse

from allie.mail.models import InboundMessage, Mailbox, Security
from allie.mail.services.imap import poll_mailbox
from allie.mail.tests import build
from tests.servers.dovecot import closed_port, dovecot, imap_account  # noqa: F401

SEEN = "\\Seen"


def message(message_id: str) -> bytes:
    return build(
        {
            "From": "Alice Bouchard <alice@finances.test>",
            "To": "soutien@desk.test",
            "Subject": f"Demande {message_id}",
            "Date": "Mon, 10 Mar 2025 10:00:00 -0400",
            "Message-ID": message_id,
        }
    )


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


def test_unreachable_server_is_counted_and_shown_to_administrators(desk, make_mailbox, client):
    mailbox = make_mailbox(port=closed_port())

    first = poll_mailbox(mailbox)
    second = poll_mailbox(mailbox)

    assert first.error.startswith("connection: ConnectionRefusedError")
    assert not second.ok
    mailbox.refresh_from_db()
    assert mailbox.failures == 2
    assert mailbox.last_error == second.error
    assert mailbox.last_error_at is not None
    client.force_login(desk.admin)
    page = client.get(reverse("admin:mail_mailbox_changelist"))
    assert page.status_code == 200
    assert b'class="errornote"' in page.content
    assert b"ConnectionRefusedError" in page.content


def test_wrong_password_is_recorded_as_a_login_failure(make_mailbox, caplog):
    mailbox = make_mailbox(password="not-the-password")

    result = poll_mailbox(mailbox)

    assert result.error.startswith("login: ")
    assert "not-the-password" not in result.error
    mailbox.refresh_from_db()
    assert (mailbox.failures, mailbox.last_error) == (1, result.error)
    assert "Polling mailbox" in caplog.text
    assert "not-the-password" not in caplog.text


def test_password_from_the_named_environment_variable_wins(make_mailbox, imap_account, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ALLIE_TEST_IMAP_PASSWORD", imap_account.password)
    mailbox = make_mailbox(password="stale", password_variable="ALLIE_TEST_IMAP_PASSWORD")

    assert poll_mailbox(mailbox).ok


def test_unset_password_variable_is_named_in_the_error(make_mailbox, monkeypatch):
    monkeypatch.delenv("ALLIE_TEST_IMAP_UNSET", raising=False)
    mailbox = make_mailbox(password_variable="ALLIE_TEST_IMAP_UNSET")

    result = poll_mailbox(mailbox)

    assert result.error == (
        "password: MissingPassword: environment variable ALLIE_TEST_IMAP_UNSET is not set"
    )
    assert Mailbox.objects.get(pk=mailbox.pk).failures == 1


def test_missing_folder_is_recorded_and_leaves_mail_alone(make_mailbox, imap_account):  # noqa: F811
    mailbox = make_mailbox(folder="Nulle-part")
    uid = imap_account.append(message("<a@finances.test>"))

    result = poll_mailbox(mailbox)

    assert result.error.startswith("folder: ")
    assert SEEN not in imap_account.flags()[uid]


def test_server_that_never_answers_times_out(make_mailbox, settings):
    settings.MAIL_IMAP_TIMEOUT = 0.5
    with socket.socket() as silent:  # accepts connections (backlog), never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        mailbox = make_mailbox(port=silent.getsockname()[1])

        result = poll_mailbox(mailbox)

    assert result.error.startswith("timeout: ")
    assert Mailbox.objects.get(pk=mailbox.pk).failures == 1


def test_untrusted_certificate_is_a_tls_failure(make_mailbox, imap_account):  # noqa: F811
    if imap_account.server.ca_file is None:
        pytest.skip("openssl is needed to make the test certificate")
    mailbox = make_mailbox(security=Security.SSL, port=imap_account.server.tls_port)

    result = poll_mailbox(mailbox)

    assert result.error.startswith("tls: ")
    assert Mailbox.objects.get(pk=mailbox.pk).failures == 1


def test_success_after_failures_clears_the_error(make_mailbox, imap_account):  # noqa: F811
    mailbox = make_mailbox(password="wrong")
    poll_mailbox(mailbox)
    Mailbox.objects.filter(pk=mailbox.pk).update(password=imap_account.password)
    mailbox.refresh_from_db()

    result = poll_mailbox(mailbox)

    assert result.ok
    mailbox.refresh_from_db()
    assert (mailbox.failures, mailbox.last_error, mailbox.last_error_at) == (0, "", None)


def test_database_failing_while_storing_leaves_the_message_for_the_next_poll(
    make_mailbox,
    imap_account,  # noqa: F811
    monkeypatch,
):
    mailbox = make_mailbox()
    ids = ["<un@finances.test>", "<deux@finances.test>", "<trois@finances.test>"]
    uids = [imap_account.append(message(message_id)) for message_id in ids]
    real_save = InboundMessage.save

    def failing_save(self, *args, **kwargs):
        if self.message_id == ids[1]:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(InboundMessage, "save", failing_save)

    result = poll_mailbox(mailbox)

    assert result.error.startswith("storage: OperationalError: server closed")
    assert list(InboundMessage.objects.values_list("message_id", flat=True)) == ids[:1]
    flags = imap_account.flags()
    assert SEEN in flags[uids[0]]
    assert SEEN not in flags[uids[1]]
    assert SEEN not in flags[uids[2]]  # the poll stopped: the rest waits too
    assert Mailbox.objects.get(pk=mailbox.pk).failures == 1

    monkeypatch.setattr(InboundMessage, "save", real_save)
    again = poll_mailbox(mailbox)

    assert again.ok, again.error
    assert again.counts == {"opened": 2}
    assert sorted(InboundMessage.objects.values_list("message_id", flat=True)) == sorted(ids)
    assert all(SEEN in flags for flags in imap_account.flags().values())
    assert Mailbox.objects.get(pk=mailbox.pk).failures == 0
