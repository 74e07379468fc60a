"""Tickets opened at the same moment in one group, from two connections, are all counted: the
day figures are added to in one statement (INSERT … ON CONFLICT DO UPDATE), never read and
written back. Real commits, real concurrency: PostgreSQL only (SQLite takes one writer at a
time)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from allie.sla import figures
from allie.sla.models import DayFigures
from allie.tickets.services import open_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]

EACH = 15


def test_tickets_opened_at_once_in_one_group_are_all_counted(desk):
    alice = desk.person("alice")
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def open_tickets(name: str) -> None:
        try:
            start.wait(timeout=30)
            for number in range(EACH):
                open_ticket(requester=alice, title=f"{name} {number}", service=desk.service)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=open_tickets, args=(name,)) for name in ("A", "B")]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)

    assert not failures
    kept = {row.pk: row.tickets for row in DayFigures.objects.all()}
    assert sum(kept.values()) == 2 * EACH
    figures.rebuild()
    assert sum(DayFigures.objects.values_list("tickets", flat=True)) == 2 * EACH
