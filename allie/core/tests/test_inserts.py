"""`allie.core.inserts.insert` writes the row `save()` would, with the statement written once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.db.models import F, Model
from django.db.models.signals import post_save

from allie.core import inserts
from allie.mail.models import OutboundMessage
from allie.tickets.models import Ticket, TimelineEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 4, 15, 16, 17, 123456, tzinfo=UTC)


def columns(row: Model, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every column of the row as the database holds it, read back, but its key."""
    names = [
        field.attname
        for field in type(row)._meta.concrete_fields
        if not field.primary_key and field.attname not in leave_out
    ]
    return type(row).objects.filter(pk=row.pk).values(*names).get()


def a_ticket(requester: Any, title: str) -> Ticket:
    return Ticket(
        kind="incident",
        channel="api",
        title=title,
        description="L'imprimante « Salle 2 » bloque. Paper jam.",
        requester=requester,
        organisation_id=requester.organisation_id,
        form_answers={"poste": "B-12", "urgent": True, "n": [1, 2]},
        impact="medium",
        urgency="high",
        priority="p2",
        status="new",
        created_at=WHEN,
        updated_at=WHEN,
    )


def test_a_ticket_written_by_insert_is_the_row_save_writes() -> None:
    requester = UserFactory()
    saved = a_ticket(requester, "same")
    saved.save()
    inserted = inserts.insert(a_ticket(requester, "same"))

    assert inserted.pk is not None
    assert inserted.pk != saved.pk
    assert not inserted._state.adding
    assert inserted._state.db == "default"
    assert columns(inserted) == columns(saved)


def test_json_text_and_times_round_trip_as_save_writes_them() -> None:
    requester = UserFactory()
    ticket = inserts.insert(a_ticket(requester, "events"))
    data = {"to": "waiting", "texte": "élevé ✓", "nested": {"list": [None, 1.5]}}

    def event() -> TimelineEvent:
        return TimelineEvent(
            ticket=ticket,
            kind="status_change",
            actor=requester,
            body="Bonjour\n",
            data=data,
            created_at=WHEN,
        )

    saved = event()
    saved.save()
    inserted = inserts.insert(event())

    assert columns(inserted) == columns(saved)
    assert TimelineEvent.objects.get(pk=inserted.pk).data == data
    assert TimelineEvent.objects.get(pk=inserted.pk).created_at == WHEN


def test_defaults_and_pre_save_apply_as_in_save() -> None:
    requester = UserFactory()

    def message() -> OutboundMessage:
        return OutboundMessage(
            to_address=requester.email,
            kind="notice",
            language="fr",
            subject="Sujet",
            message_id=f"<{OutboundMessage.objects.count()}@example.test>",
            recipient=requester,
            events=[{"notice": "received"}],
            created_at=WHEN,
            send_after=WHEN,
        )

    saved = message()
    saved.save()
    inserted = inserts.insert(message())

    assert columns(inserted, leave_out=("message_id",)) == columns(saved, leave_out=("message_id",))
    assert inserted.status == saved.status  # the field's default, set on the instance


def test_post_save_is_sent_as_save_sends_it() -> None:
    heard: list[tuple[Any, bool, bool]] = []

    def receiver(sender: Any, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
        heard.append((instance, created, raw))

    post_save.connect(receiver, sender=Ticket, dispatch_uid="test-inserts")
    try:
        ticket = inserts.insert(a_ticket(UserFactory(), "signal"))
    finally:
        post_save.disconnect(dispatch_uid="test-inserts", sender=Ticket)
    assert heard == [(ticket, True, False)]


def test_a_column_may_take_an_sql_fragment_with_its_parameters() -> None:
    upper = "UPPER(%s)"
    ticket = inserts.insert(
        a_ticket(UserFactory(), "fragment"), sql_values={"reference": (upper, ["abc-7"])}
    )
    assert Ticket.objects.get(pk=ticket.pk).reference == "ABC-7"


def test_the_statement_is_written_once_per_model_and_fragments() -> None:
    requester = UserFactory()
    inserts.insert(a_ticket(requester, "first"))
    before = inserts._statement.cache_info()
    inserts.insert(a_ticket(requester, "second"))
    after = inserts._statement.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


@pytest.mark.parametrize(
    "case",
    ["saved", "expression", "unknown column"],
)
def test_refuses_what_it_cannot_write_as_save_would(case: str) -> None:
    requester = UserFactory()
    ticket = a_ticket(requester, case)
    options: dict[str, Any] = {}
    if case == "saved":
        ticket.save()
    elif case == "expression":
        ticket.title = F("description")
    else:
        options["sql_values"] = {"no_such_column": ("%s", [1])}
    with pytest.raises(TypeError):
        inserts.insert(ticket, **options)
    if case != "saved":
        assert not Ticket.objects.filter(title=case).exists()


def test_the_statement_is_prepared_on_postgresql() -> None:
    """A creation's INSERTs are kept prepared by the server (allie/core/database.py)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from allie.core.database import may_prepare

    statement = inserts._statement(Ticket, "default", ())
    assert may_prepare(statement.sql)


def test_a_row_keyed_by_another_row_is_written_with_its_key() -> None:
    """The SLA summary's key is its ticket's (a one-to-one key): no RETURNING, same row."""
    from allie.sla.models import TicketSla

    requester = UserFactory()
    first, second = (inserts.insert(a_ticket(requester, name)) for name in ("one", "two"))
    values: dict[str, Any] = {"computed_at": WHEN, "next_breach_at": WHEN}
    for number, clock in enumerate(("first_response", "next_update", "resolution"), 1):
        values |= {
            f"{clock}_target": 60 * number,
            f"{clock}_state": "running",
            f"{clock}_elapsed": 7 * number,
            f"{clock}_due_at": WHEN,
        }
    TicketSla(ticket=first, **values).save()
    inserted = inserts.insert(TicketSla(ticket=second, **values))

    assert inserted.pk == second.pk
    assert {**columns(inserted), "ticket_id": None} == {**columns(first.sla), "ticket_id": None}


def test_a_second_statement_is_written_with_the_row_in_one_statement_on_postgresql() -> None:
    """`then`: the SLA summary's deadlines go in the summary's own statement (one round trip on
    PostgreSQL), kept prepared; elsewhere right after it. Both rows are written either way."""
    from django.test.utils import CaptureQueriesContext

    from allie.core.database import may_prepare
    from allie.sla.models import Deadline, TicketSla

    ticket = inserts.insert(a_ticket(UserFactory(), "with deadlines"))
    values: dict[str, Any] = {"computed_at": WHEN}
    for clock in ("first_response", "next_update", "resolution"):
        values |= {f"{clock}_target": 60, f"{clock}_state": "running", f"{clock}_elapsed": 0}
    then = (
        "INSERT INTO sla_deadline (ticket_id, clock, cycle, threshold, due_at, outcome) "
        "VALUES (%s, %s, 0, 100, %s, '')",
        [ticket.pk, "resolution", connection.ops.adapt_datetimefield_value(WHEN)],
    )
    with CaptureQueriesContext(connection) as captured:
        summary = inserts.insert(TicketSla(ticket=ticket, **values), then=[then])

    assert summary.pk == ticket.pk
    assert TicketSla.objects.filter(ticket=ticket).exists()
    assert list(Deadline.objects.filter(ticket=ticket).values_list("clock", "due_at")) == [
        ("resolution", WHEN)
    ]
    statements = [query["sql"] for query in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert len(statements) == 1
        assert statements[0].startswith("WITH written AS (INSERT INTO")
        assert may_prepare(
            inserts._with_then(inserts._statement(TicketSla, "default", ()).sql, then[0])
        )
    else:
        assert len(statements) == 2


def test_a_second_statement_needs_a_row_whose_key_is_set() -> None:
    """A generated key would have to come back: `then` refuses such a row, writing nothing."""
    ticket = a_ticket(UserFactory(), "refused")
    with pytest.raises(TypeError):
        inserts.insert(ticket, then=[("SELECT 1", [])])
    assert not Ticket.objects.filter(title="refused").exists()
