"""Two worker processes, the same due deadlines and the same outbox: each handled exactly once.

Scale-out (issue 6): two real Python processes do what a worker does every minute, at once,
against one database: sweep the due SLA deadlines (`allie.sla.services.sweep_deadlines`), then
send the due outbox messages (`allie.mail.services.sending.send_due_messages`) to one real SMTP
server (aiosmtpd, tests/servers/smtp.py), until neither finds work. Small batches make them
take turns on the same rows. Each process reports the deadlines it handled and the messages
it claimed; the SMTP server reports what it received.

On PostgreSQL the two really run side by side: `select_for_update(skip_locked=True)` keeps each
off the rows the other holds, and both get a share of each kind of work. On SQLite (one writer)
their transactions take turns; the compare-and-set guards and the outbox lease are what keep a
row from being handled twice, and the test checks the same outcome.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from allie.sla.tests.test_sweeper_crash import (
    SWEEP_AT,
    TICKETS,
    WorkerDatabase,
    assert_each_due_deadline_handled_once,
    handled,
    prepare_worker_database,
)
from tests.servers.smtp import running_smtp_server

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MESSAGES = 60  # queued before the workers start, beside the notices the tickets caused
DEADLINE_BATCH = 5
OUTBOX_BATCH = 2
TIMEOUT = 180.0


# --- Run in the worker processes (python -c), never in the test process ----------------------


def queue_messages(count: int) -> None:
    """Queue `count` plain messages, due before the sweep's moment."""
    from allie.mail.services.outbox import enqueue_message

    for index in range(count):
        enqueue_message(
            to_address=f"person{index}@finances.test",
            subject=f"Message {index}",
            text_body="Bonjour",
            kind="notification",
            language="fr-ca",
            now=SWEEP_AT - timedelta(hours=1),
        )


def work(now: str, deadline_batch: int, outbox_batch: int) -> None:
    """Sweep and send in turns until there is nothing left; print what this process did."""
    from allie.mail.services import sending
    from allie.sla import services
    from allie.sla.models import Deadline

    moment = datetime.fromisoformat(now)
    deadlines: list[int] = []
    messages: list[str] = []
    claim = sending.claim_due_messages

    def claim_and_remember(**kwargs: Any) -> list[Any]:
        batch = claim(**kwargs)
        messages.extend(message.message_id for message in batch)
        return batch

    def remember(handled: Any, *_rest: Any) -> None:
        # Runs last, inside the transaction that handles them: given one deadline, or a batch
        # of (deadline, summary) pairs, depending on the sweep's handler signature.
        if isinstance(handled, Deadline):
            deadlines.append(handled.pk)
        else:
            deadlines.extend(deadline.pk for deadline, _summary in handled)

    sending.claim_due_messages = claim_and_remember  # recorded, not replaced
    services.deadline_handlers.append(remember)
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start together
    swept = sent = 0
    while True:
        swept_now = services.sweep_deadlines(now=moment, batch=deadline_batch)
        sent_now = sending.send_due_messages(now=moment, limit=outbox_batch)
        swept += swept_now
        sent += sent_now
        if not swept_now and not sent_now:
            break
    print(json.dumps({"swept": swept, "sent": sent, "deadlines": deadlines, "messages": messages}))


def outbox() -> None:
    """Print every outbox row's Message-ID, status and attempts as JSON."""
    from allie.mail.models import OutboundMessage

    rows = OutboundMessage.objects.order_by("pk").values_list("message_id", "status", "attempts")
    print(json.dumps([list(row) for row in rows]))


# --- The test side ---------------------------------------------------------------------------


def in_worker(worker_db: WorkerDatabase, call: str) -> str:
    return worker_db.python(f"from allie.mail.tests.test_outbox_concurrency import *; {call}")


def start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    code = (
        "import django; django.setup(); "
        "from allie.mail.tests.test_outbox_concurrency import work; "
        f"work({SWEEP_AT.isoformat()!r}, {DEADLINE_BATCH}, {OUTBOX_BATCH})"
    )
    process = subprocess.Popen(  # noqa: S603 (our interpreter, our code)
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = process.stdout.readline().strip()
    assert ready == "ready", process.stderr.read() if process.stderr else ready
    return process


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    stdout, stderr = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, stderr
    return json.loads(stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture
def worker_db(tmp_path: Path) -> WorkerDatabase:
    return prepare_worker_database(tmp_path)


def test_two_workers_handle_each_due_deadline_and_send_each_message_exactly_once(worker_db):
    worker_db.seed(TICKETS)  # 12 due deadlines per ticket at SWEEP_AT; their notices queued
    in_worker(worker_db, f"queue_messages({MESSAGES})")
    queued = json.loads(in_worker(worker_db, "outbox()"))
    due = TICKETS * 12

    with running_smtp_server() as smtp:
        env = {
            **worker_db.env,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": smtp.host,
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "10",
        }
        first, second = start_worker(env), start_worker(env)
        for process in (first, second):
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [finish(first), finish(second)]
        received = Counter(smtp.message_ids())

    # Deadlines: every due one handled, by one process only, with one effect each.
    assert sum(result["swept"] for result in results) == due
    assert set(results[0]["deadlines"]).isdisjoint(results[1]["deadlines"])
    final = worker_db.report()
    assert len(handled(final)) == due
    assert_each_due_deadline_handled_once(final)
    # Outbox: every row (the queued ones, the tickets' and the sweep's notices) sent once.
    rows = json.loads(in_worker(worker_db, "outbox()"))
    assert len(rows) >= len(queued) >= MESSAGES
    assert {status for _id, status, _attempts in rows} == {"sent"}
    assert {attempts for _id, _status, attempts in rows} == {1}
    assert sorted(received) == sorted(message_id for message_id, _status, _attempts in rows)
    assert set(received.values()) == {1}
    assert set(results[0]["messages"]).isdisjoint(results[1]["messages"])
    assert sum(result["sent"] for result in results) == len(rows)
    if connection.vendor == "postgresql":
        # Both were at work at once, each skipping what the other held.
        assert min(len(result["deadlines"]) for result in results) > 0
        assert min(len(result["messages"]) for result in results) > 0
