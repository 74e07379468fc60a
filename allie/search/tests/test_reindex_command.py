"""`allie search reindex`: rebuilds the entries of tickets written without the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from allie.search.models import TicketSearchEntry


def test_reindex_fills_the_index_in_batches_and_reports_the_count(make, found):
    tickets = [make("alice", title=f"Imprimante {n}", replies=["Toner neuf."]) for n in range(3)]
    TicketSearchEntry.objects.all().delete()
    out = StringIO()

    call_command("search", "reindex", "--batch-size", "2", stdout=out)

    assert "3" in out.getvalue()
    assert sorted(found("alice", "toner")) == sorted(t.reference for t in tickets)


def test_reindex_twice_changes_nothing(make, found):
    ticket = make("alice", title="Imprimante")
    call_command("search", "reindex", stdout=StringIO())
    call_command("search", "reindex", stdout=StringIO())

    assert TicketSearchEntry.objects.count() == 1
    assert found("alice", "imprimante") == [ticket.reference]


def test_reindex_refuses_a_bad_batch_size(db):
    with pytest.raises(CommandError):
        call_command("search", "reindex", "--batch-size", "0", stdout=StringIO())


def test_the_demo_is_indexed_as_it_is_built(db):
    from allie.demo.builder import build_demo
    from allie.tickets.models import Ticket

    build_demo()

    assert Ticket.objects.count() > 0
    assert TicketSearchEntry.objects.count() == Ticket.objects.count()
