"""Two workers sweep overdue commitments at once: each is broken, and written down, once.

Real threads with their own connections and real commits, on PostgreSQL (SQLite has one writer
at a time: there is nothing to race). Each sweep claims a batch with `skip_locked`; the
compare-and-set on the open state is what keeps a row from being broken twice.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from allie.tickets.models import TimelineEvent
from allie.voice.models import Commitment
from allie.voice.services import break_overdue, send_reminders

from .conftest import at

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
    ),
]

COMMITMENTS = 30


def run_twice(sweep):
    barrier = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            counts.append(sweep())
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    return counts


def test_two_sweeps_at_once_break_each_overdue_commitment_once(desk, promise):
    for number in range(COMMITMENTS):
        promise(due_hours=1 + number / 60)

    counts = run_twice(lambda: break_overdue(now=at(5), batch=4))

    assert sum(counts) == COMMITMENTS
    assert not Commitment.objects.filter(state=Commitment.State.OPEN).exists()
    broken = Counter(
        event.data["id"] for event in TimelineEvent.objects.filter(data__commitment="broken")
    )
    assert len(broken) == COMMITMENTS
    assert set(broken.values()) == {1}


def test_two_reminder_sweeps_at_once_send_each_reminder_once(desk, promise):
    for number in range(COMMITMENTS):
        promise(due_hours=30 + number / 60)

    counts = run_twice(lambda: send_reminders(now=at(7), batch=4))

    assert sum(counts) == COMMITMENTS
