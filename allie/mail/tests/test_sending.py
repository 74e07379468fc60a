"""The outbox is sent over real SMTP (aiosmtpd on loopback), with retries, back-off and failure.

Every test talks to a real server through Django's SMTP backend: what the server received is
parsed back with the stdlib `email` parser, as a receiving client would.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allie.mail.domain.noise import NoiseKind, classify
from allie.mail.domain.parsing import parse_message
from allie.mail.models import MailSettings, OutboundMessage
from allie.mail.services.outbox import enqueue_message
from allie.mail.services.sending import (
    FIRST_RETRY,
    JITTER,
    LEASE,
    LONGEST_RETRY,
    backoff,
    claim_due_messages,
    retry_message,
    send_due_messages,
)
from tests.servers.smtp import Behaviour, closed_port, running_smtp_server

pytestmark = pytest.mark.django_db

SUBJECT = "[D-000123] Votre demande « Écran noir » a été reçue — réponse prévue à 14 h"
TEXT = "Bonjour Alice,\n\nAgathe s’occupe de votre demande.\n"
HTML = "<p>Bonjour Alice,</p><p>Agathe s’occupe de votre demande.</p>"
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def smtp(settings):
    with running_smtp_server() as server:
        server.configure(settings, timeout=1.0)
        yield server


def queue(index=0, **overrides):
    values = {
        "to_address": f"alice{index or ''}@finances.test",
        "subject": SUBJECT,
        "text_body": TEXT,
        "html_body": HTML,
        "kind": "notification",
        "language": "fr-ca",
        "now": NOW,
    }
    values.update(overrides)
    return enqueue_message(**values)


def fresh(message):
    return OutboundMessage.objects.get(pk=message.pk)


def content(part):
    return part.get_content().replace("\r\n", "\n")  # lines end with CRLF on the wire


def assert_backed_off(message, *, attempt, after):
    expected = min(FIRST_RETRY * 2 ** (attempt - 1), LONGEST_RETRY)
    assert message.status == OutboundMessage.Status.PENDING
    assert message.attempts == attempt
    assert message.last_attempt_at == after
    assert expected * (1 - JITTER) <= message.send_after - after <= expected * (1 + JITTER)


# --- A message goes out once, as a client expects it -----------------------------------------


def test_a_due_message_is_sent_once_with_threading_and_loop_headers(smtp):
    queued = queue(
        in_reply_to="<question@finances.test>",
        references=["<first@finances.test>", "<question@finances.test>"],
    )

    assert send_due_messages(now=NOW) == 1
    assert send_due_messages(now=NOW + timedelta(hours=3)) == 0

    assert len(smtp.received) == 1
    received = smtp.received[0]
    assert received.mail_from == "desk@allie.localhost"
    assert received.rcpt_tos == ["alice@finances.test"]
    email = received.message()
    assert email["Message-ID"] == queued.message_id
    assert email["In-Reply-To"] == "<question@finances.test>"
    assert email["References"] == "<first@finances.test> <question@finances.test>"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["X-Auto-Response-Suppress"] == "All"
    assert email["X-Allie-Loop"] == "allie.localhost"
    assert email["Content-Language"] == "fr-ca"
    assert email["Date"].datetime == NOW
    assert email["From"].addresses[0].display_name == "Allié"
    assert email["Reply-To"].addresses[0].addr_spec == "desk@allie.localhost"
    # Encoded words (RFC 2047), folded onto the next line: the unfolded value keeps a space.
    raw_headers = received.content.split(b"\r\n\r\n", 1)[0]
    assert raw_headers.isascii()
    assert b"Subject: \r\n =?utf-8?b?" in raw_headers
    assert email["Subject"].strip() == SUBJECT
    assert parse_message(received.content).subject == SUBJECT
    assert email.get_content_type() == "multipart/alternative"
    assert content(email.get_body(("plain",))) == TEXT
    assert content(email.get_body(("html",))).strip() == HTML
    sent = fresh(queued)
    assert sent.status == OutboundMessage.Status.SENT
    assert sent.sent_at == NOW
    assert sent.attempts == 1


def test_what_the_desk_sends_is_dropped_as_a_loop_when_it_comes_back(smtp):
    queue()

    send_due_messages(now=NOW)

    parsed = parse_message(smtp.received[0].content)
    noise = classify(parsed, desk_addresses={"help@desk.test"})
    assert noise is not None
    assert noise.kind == NoiseKind.LOOP


def test_a_personal_reply_is_not_marked_automatic_and_a_text_only_message_has_one_part(smtp):
    queue(kind="reply", html_body="")

    send_due_messages(now=NOW)

    email = smtp.received[0].message()
    assert email["Auto-Submitted"] is None
    assert email["X-Auto-Response-Suppress"] is None
    assert email["X-Allie-Loop"] == "allie.localhost"
    assert email.get_content_type() == "text/plain"
    assert content(email) == TEXT


def test_a_message_not_yet_due_is_not_sent(smtp):
    later = queue(send_after=NOW + timedelta(minutes=1))

    assert send_due_messages(now=NOW) == 0
    assert smtp.received == []
    assert fresh(later).attempts == 0

    assert send_due_messages(now=NOW + timedelta(minutes=1)) == 1
    assert smtp.message_ids() == [later.message_id]


def test_due_messages_go_oldest_first_and_a_batch_stops_at_its_limit(smtp):
    newer = queue(1, send_after=NOW - timedelta(minutes=1))
    older = queue(2, send_after=NOW - timedelta(minutes=5))
    queue(3, send_after=NOW)

    assert send_due_messages(now=NOW, limit=2) == 2

    assert smtp.message_ids() == [older.message_id, newer.message_id]


def test_a_rolled_back_event_sends_nothing(smtp):
    class Abort(Exception):
        pass

    def event_that_fails():
        with transaction.atomic():
            queue()
            raise Abort

    with pytest.raises(Abort):
        event_that_fails()

    assert send_due_messages(now=NOW) == 0
    assert smtp.received == []
    assert not OutboundMessage.objects.exists()


# --- Refusals, timeouts and an unreachable server -------------------------------------------


def test_a_temporary_refusal_is_retried_with_back_off_then_sent(smtp, caplog):
    queued = queue()
    smtp.behave(Behaviour.REFUSE_TEMPORARILY)

    assert send_due_messages(now=NOW) == 0

    first = fresh(queued)
    assert_backed_off(first, attempt=1, after=NOW)
    assert first.last_error.startswith("451 4.3.0 Mailbox busy")
    assert queued.message_id in caplog.text
    assert "451 4.3.0 Mailbox busy" in caplog.text

    assert send_due_messages(now=NOW + timedelta(seconds=30)) == 0  # not due again yet
    assert fresh(queued).attempts == 1

    second_try = first.send_after
    assert send_due_messages(now=second_try) == 0
    assert_backed_off(fresh(queued), attempt=2, after=second_try)

    smtp.behave(Behaviour.ACCEPT)
    assert send_due_messages(now=fresh(queued).send_after) == 1
    assert smtp.message_ids() == [queued.message_id]
    assert fresh(queued).status == OutboundMessage.Status.SENT
    assert smtp.handler.refused == 2


def test_a_server_that_stops_answering_times_out_and_the_message_is_retried(smtp):
    first, second = queue(1), queue(2)
    smtp.behave(Behaviour.HANG)

    assert send_due_messages(now=NOW) == 0

    for message in (first, second):
        row = fresh(message)
        assert_backed_off(row, attempt=1, after=NOW)
        assert "timed out" in row.last_error

    smtp.behave(Behaviour.ACCEPT)
    assert send_due_messages(now=NOW + LONGEST_RETRY) == 2
    assert sorted(smtp.message_ids()) == sorted([first.message_id, second.message_id])


def test_an_unreachable_server_keeps_the_messages_for_later(settings, smtp):
    queued = queue()
    settings.EMAIL_PORT = closed_port()

    assert send_due_messages(now=NOW) == 0

    row = fresh(queued)
    assert_backed_off(row, attempt=1, after=NOW)
    assert row.last_error.startswith("ConnectionRefusedError")

    settings.EMAIL_PORT = smtp.port
    assert send_due_messages(now=row.send_after) == 1
    assert smtp.message_ids() == [queued.message_id]


@pytest.mark.parametrize(
    ("behaviour", "answer"),
    [
        (Behaviour.REFUSE_RECIPIENT, "550 5.1.1 No such user here"),
        (Behaviour.REFUSE_MESSAGE, "550 5.7.1 Message refused by policy"),
    ],
)
def test_a_permanent_refusal_fails_the_message_at_once(smtp, caplog, behaviour, answer):
    refused = queue(1)
    smtp.behave(behaviour)

    assert send_due_messages(now=NOW) == 0

    row = fresh(refused)
    assert row.status == OutboundMessage.Status.FAILED
    assert row.attempts == 1
    assert row.last_error == answer
    assert row.last_attempt_at == NOW
    assert answer in caplog.text
    assert send_due_messages(now=NOW + timedelta(days=1)) == 0
    assert smtp.handler.refused == 1


def test_a_refused_message_does_not_stop_the_rest_of_the_batch(smtp):
    bad = queue(1, to_address="nobody@finances.test", send_after=NOW - timedelta(minutes=1))
    good = queue(2)

    smtp.handler.unknown_recipients.add("nobody@finances.test")

    assert send_due_messages(now=NOW) == 1

    assert fresh(bad).status == OutboundMessage.Status.FAILED
    assert fresh(good).status == OutboundMessage.Status.SENT
    assert smtp.message_ids() == [good.message_id]


def test_a_message_fails_after_the_configured_number_of_attempts(smtp):
    MailSettings.objects.update_or_create(pk=1, defaults={"max_attempts": 2})
    queued = queue()
    smtp.behave(Behaviour.REFUSE_TEMPORARILY)

    send_due_messages(now=NOW)
    assert fresh(queued).status == OutboundMessage.Status.PENDING
    send_due_messages(now=fresh(queued).send_after)

    row = fresh(queued)
    assert row.status == OutboundMessage.Status.FAILED
    assert row.attempts == 2
    assert row.last_error.startswith("451")


def test_a_message_django_cannot_build_fails_without_stopping_the_batch(smtp):
    broken = queue(1, in_reply_to="<a@b>\r\nBcc: victim@elsewhere.test")
    good = queue(2)

    assert send_due_messages(now=NOW) == 1

    assert fresh(broken).status == OutboundMessage.Status.FAILED
    assert fresh(broken).last_error.startswith("invalid message")
    assert smtp.message_ids() == [good.message_id]


def test_a_notice_whose_ticket_or_person_is_gone_fails_instead_of_going_out_empty(smtp):
    """A notice is written when it is sent; deleted meanwhile, it has nothing to say."""
    orphan = queue(1, text_body="", html_body="", events=[{"notice": "received"}])
    good = queue(2)

    assert send_due_messages(now=NOW) == 1

    assert fresh(orphan).status == OutboundMessage.Status.FAILED
    assert "no longer exists" in fresh(orphan).last_error
    assert smtp.message_ids() == [good.message_id]


# --- Retry by an administrator ----------------------------------------------------------------


def test_a_failed_message_retried_goes_back_in_the_queue_and_is_sent(smtp, desk):
    queued = queue()
    smtp.behave(Behaviour.REFUSE_RECIPIENT)
    send_due_messages(now=NOW)
    failed = fresh(queued)
    later = NOW + timedelta(hours=5)

    assert retry_message(failed, by=desk.admin, now=later) is True
    assert retry_message(failed, by=desk.admin, now=later) is False  # already back in the queue

    row = fresh(queued)
    assert (row.status, row.attempts, row.send_after) == ("pending", 0, later)
    smtp.behave(Behaviour.ACCEPT)
    assert send_due_messages(now=later) == 1
    assert smtp.message_ids() == [queued.message_id]


def test_only_a_failed_message_can_be_retried(desk):
    pending = queue()

    assert retry_message(pending, by=desk.admin, now=NOW + timedelta(hours=1)) is False

    assert fresh(pending).send_after == NOW


# --- Leases: a sender that dies mid-batch ----------------------------------------------------


def test_a_claimed_message_whose_sender_died_comes_back_after_the_lease(smtp):
    queued = queue()
    claimed = claim_due_messages(now=NOW)  # ... and the sender dies before sending
    assert [message.pk for message in claimed] == [queued.pk]

    assert send_due_messages(now=NOW + LEASE - timedelta(seconds=1)) == 0
    assert smtp.received == []

    assert send_due_messages(now=NOW + LEASE) == 1
    row = fresh(queued)
    assert (row.status, row.attempts) == ("sent", 2)
    assert smtp.message_ids() == [queued.message_id]


# --- Cost ---------------------------------------------------------------------------------------


def count_queries(messages):
    for index in range(messages):
        queue(index)
    from django.db import connection

    from allie.core.reference_cache import clear_reference_cache

    clear_reference_cache()  # both counts with the settings read (cached in-process after)
    with CaptureQueriesContext(connection) as captured:
        assert send_due_messages(now=NOW) == messages
    OutboundMessage.objects.all().delete()
    return len(captured)


def test_a_batch_costs_a_fixed_claim_plus_one_update_per_message(smtp):
    one = count_queries(1)
    ten = count_queries(10)

    assert one <= 6  # claim (select + update, in a savepoint), settings, one mark
    assert ten == one + 9


# --- Back-off -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempt", "minutes"), [(1, 1), (2, 2), (3, 4), (4, 8), (5, 16), (6, 32), (7, 60), (30, 60)]
)
def test_back_off_doubles_from_a_minute_up_to_an_hour(attempt, minutes):
    assert backoff(attempt, jitter=0) == timedelta(minutes=minutes)
    assert backoff(attempt, jitter=JITTER) == timedelta(minutes=minutes) * (1 + JITTER)
    drawn = backoff(attempt)
    assert timedelta(minutes=minutes) * (1 - JITTER) <= drawn
    assert drawn <= timedelta(minutes=minutes) * (1 + JITTER)
