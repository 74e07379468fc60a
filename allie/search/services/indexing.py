"""Writing the search index, in the transaction of the change that calls it.

`index_ticket` is one SQL statement (an upsert fed by a SELECT), called by the ticket services
where indexed text appears: `open_ticket` and public `reply`. The same statement over a range
of ids is `reindex_tickets`, for existing data. Internal notes are never read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from allie.accounts.models import User
from allie.search.domain.query import clean_text
from allie.search.models import TicketSearchEntry
from allie.tickets.models import Ticket, TimelineEvent

REINDEX_BATCH = 5_000
# The ticket's scoping columns, copied on the entry (see TicketSearchEntry).
SCOPE_COLUMNS = ("organisation_id", "requester_id", "owner_id")


def _upsert_sql(where: str) -> str:
    """Return the upsert of the entries of the tickets matching `where` (on alias `t`)."""
    q = connection.ops.quote_name
    entry, ticket = q(TicketSearchEntry._meta.db_table), q(Ticket._meta.db_table)
    event, person = q(TimelineEvent._meta.db_table), q(User._meta.db_table)
    if connection.vendor == "postgresql":
        clean = "translate({}, chr(2) || chr(3), '')"
        body = clean.format("e.body")
        replies = (
            f"SELECT string_agg({body}, E'\\n\\n' ORDER BY e.created_at, e.id) FROM {event} e "  # noqa: S608
            "WHERE e.ticket_id = t.id AND e.kind = 'public_reply' AND e.is_public"
        )
    else:
        clean = "replace(replace({}, char(2), ''), char(3), '')"
        body = clean.format("e.body")
        ordered = (
            f"SELECT {body} AS body FROM {event} e "  # noqa: S608
            "WHERE e.ticket_id = t.id AND e.kind = 'public_reply' AND e.is_public "
            "ORDER BY e.created_at, e.id"
        )
        replies = f"SELECT group_concat(r.body, char(10) || char(10)) FROM ({ordered}) r"  # noqa: S608
    columns = (
        "reference",
        "title",
        "description",
        "replies",
        "requester_name",
        *SCOPE_COLUMNS,
    )
    updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
    return (
        f"INSERT INTO {entry} (ticket_id, {', '.join(columns)}) "  # noqa: S608 (our names)
        f"SELECT t.id, COALESCE(t.reference, ''), {clean.format('t.title')}, "
        f"{clean.format('t.description')}, COALESCE(({replies}), ''), "
        f"{clean.format('u.full_name')}, "
        f"{', '.join(f't.{name}' for name in SCOPE_COLUMNS)} "
        f"FROM {ticket} t JOIN {person} u ON u.id = t.requester_id WHERE {where} "
        f"ON CONFLICT (ticket_id) DO UPDATE SET {updates}"
    )


def index_ticket(ticket_id: int) -> None:
    """Write the ticket's search entry from its current rows: one statement.

    Call it inside the transaction that changed indexed text, so a rolled-back change leaves
    the index as it was and a committed one is searchable at once.
    """
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql("t.id = %s"), [ticket_id])


def reindex_tickets(
    *,
    batch_size: int = REINDEX_BATCH,
    progress: Callable[[int], None] | None = None,
    after_id: int = 0,
) -> int:
    """Rebuild every ticket's entry in batches of ids, one transaction each; return the count.

    `progress` is told how many tickets each batch covered, for a progress bar; `after_id`
    limits the work to the tickets of higher ids (those just loaded in bulk).
    """
    bounds = Ticket.objects.filter(pk__gt=after_id).order_by().values_list("pk", flat=True)
    first, last = bounds.order_by("pk").first(), bounds.order_by("-pk").first()
    if first is None or last is None:
        return 0
    done = 0
    sql = _upsert_sql("t.id >= %s AND t.id < %s")
    for low in range(first, last + 1, batch_size):
        high = min(low + batch_size, last + 1)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [low, high])
            covered = max(cursor.rowcount, 0)
        done += covered
        if progress is not None:
            progress(covered)
    return done


def on_person_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    """Keep the requester's name current in their tickets' entries (one UPDATE when renamed)."""
    update_fields = kwargs.get("update_fields")
    if created or kwargs.get("raw") or (update_fields and "full_name" not in update_fields):
        return
    name = clean_text(instance.full_name)
    TicketSearchEntry.objects.filter(ticket__requester_id=instance.pk).exclude(
        requester_name=name
    ).update(requester_name=name)
