"""Two workers sweep the same due deadlines at once: each deadline is handled exactly once.

Two real `allie sweep_deadlines` processes with their own connections and real commits. On
PostgreSQL they really run side by side: each claims a batch with `select_for_update(skip_locked)`
and skips what the other holds. On SQLite (a single writer) their transactions take turns and the
compare-and-set on `handled_at` is what keeps a row from being handled twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from allie.sla.tests.test_sweeper_crash import (
    BATCH,
    TICKETS,
    WorkerDatabase,
    assert_each_due_deadline_handled_once,
    handled,
    prepare_worker_database,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def worker_db(tmp_path: Path) -> WorkerDatabase:
    return prepare_worker_database(tmp_path)


def test_two_workers_sweeping_at_once_handle_each_deadline_exactly_once(worker_db):
    worker_db.seed(TICKETS)
    due = TICKETS * 12

    first = worker_db.start_sweeper("--linger", "0.02", "--batch", str(BATCH))
    second = worker_db.start_sweeper("--linger", "0.02", "--batch", str(BATCH))
    counts = [first.finish(), second.finish()]

    assert sum(counts) == due
    assert set(first.handling).isdisjoint(second.handling)
    if connection.vendor == "postgresql":
        assert min(counts) > 0  # both were inside the sweep at once, skipping each other's rows
    final = worker_db.report()
    assert len(handled(final)) == due
    assert_each_due_deadline_handled_once(final)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time: no overlap"
)
def test_two_workers_on_the_deadlines_of_one_ticket_raise_each_escalation_level_once(worker_db):
    worker_db.seed(1)  # 12 due deadlines on one ticket: the 90 % ones and the breaches escalate

    first = worker_db.start_sweeper("--linger", "0.3", "--batch", "3")
    second = worker_db.start_sweeper("--linger", "0.3", "--batch", "3")
    counts = [first.finish(), second.finish()]

    assert sum(counts) == 12
    assert_each_due_deadline_handled_once(worker_db.report())
