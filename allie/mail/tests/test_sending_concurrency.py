"""Several senders at once on PostgreSQL: no outbox row is ever sent twice.

Real transactions that commit, each sender with its own connection (threads), and a real SMTP
server that records every Message-ID it accepts. SQLite runs one writer at a time, so there is
no overlap to test there; the lease that protects a row between senders is tested on both
databases in test_sending.py.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction

from allie.mail.models import OutboundMessage
from allie.mail.services.outbox import enqueue_message
from allie.mail.services.sending import send_due_messages
from allie.mail.tests.test_sending import NOW, queue
from tests.servers.smtp import running_smtp_server

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no overlap"
    ),
]


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        server.configure(settings, timeout=5.0)
        yield server


def in_thread(target, *args):
    """Run `target` in a thread with its own database connection, closed when it ends."""
    errors = []

    def run():
        try:
            target(*args)
        except Exception as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_a_row_locked_by_another_sender_is_skipped_not_waited_for(smtp):
    locked, free = queue(1), queue(2)
    holding, release = threading.Event(), threading.Event()

    def hold_the_row():
        with transaction.atomic():
            list(OutboundMessage.objects.select_for_update().filter(pk=locked.pk))
            holding.set()
            release.wait(10)

    thread, errors = in_thread(hold_the_row)
    assert holding.wait(10)
    try:
        assert send_due_messages(now=NOW) == 1
        assert smtp.message_ids() == [free.message_id]
    finally:
        release.set()
        thread.join()
    assert errors == []

    assert send_due_messages(now=NOW) == 1
    assert smtp.message_ids() == [free.message_id, locked.message_id]


def test_senders_running_together_send_each_message_exactly_once(smtp):
    messages = [
        enqueue_message(
            to_address=f"person{index}@finances.test",
            subject=f"Message {index}",
            text_body="Bonjour",
            kind="notification",
            language="fr-ca",
            now=NOW,
        )
        for index in range(40)
    ]
    start = threading.Barrier(3)
    counts = Counter()

    def sender(name):
        start.wait(10)
        while sent := send_due_messages(now=NOW, limit=3):
            counts[name] += sent

    threads = [in_thread(sender, name) for name in ("first", "second", "third")]
    for thread, _errors in threads:
        thread.join(60)
    assert [errors for _thread, errors in threads] == [[], [], []]

    received = Counter(smtp.message_ids())
    assert sorted(received) == sorted(message.message_id for message in messages)
    assert set(received.values()) == {1}
    assert sum(counts.values()) == 40
    assert OutboundMessage.objects.filter(status=OutboundMessage.Status.SENT).count() == 40
