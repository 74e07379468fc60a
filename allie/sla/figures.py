"""The SLA day figures (rollups): moved with every change of a ticket's SLA summary, in the same
transaction, and rebuilt from the summaries on demand.

A ticket is counted under the day (UTC) it was opened, its organisation, service and priority
(`Key`). Every write of a summary tells `record` how the ticket's share changed; `record` adds
the difference to the group's row (one `INSERT … ON CONFLICT DO UPDATE` that adds the counts,
the same text on PostgreSQL and SQLite), then edits its first-response times if they changed.
Groups are written in key order, so two transactions never wait for each other's rows in turn.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.db import connection, transaction

from allie.core.inserts import Fragment
from allie.sla.domain.figures import COUNTS, Change, Share, Tally, change, share_of, utc_day
from allie.sla.models import DayFigures, TicketSla

logger = logging.getLogger(__name__)

#: The group a ticket is counted in: (day opened in UTC, organisation, service or 0, priority).
Key = tuple[date, int, int, str]

#: How many summaries a rebuild reads between two reports of its progress.
PROGRESS_STEP = 5_000

#: The summary's fields a share is read from.
SHARE_FIELDS = (
    "first_response_state",
    "first_response_elapsed",
    "first_response_due_at",
    "resolution_state",
    "next_update_breaches",
)


def key_of(ticket: Any) -> Key:
    """The group `ticket` belongs to now."""
    return (
        utc_day(ticket.created_at),
        ticket.organisation_id,
        ticket.service_id or 0,
        ticket.priority,
    )


def counted(ticket: Any, summary: TicketSla) -> tuple[Key, Share]:
    """Where and how `summary`'s ticket was last counted (its day and organisation never change;
    its service and priority may have since)."""
    day, organisation_id, _service_key, _priority = key_of(ticket)
    key = (day, organisation_id, summary.counted_service_key, summary.counted_priority)
    return key, share_from(summary)


def share_from(values: Mapping[str, Any] | TicketSla) -> Share:
    """The share of a summary, given as a model instance or as its field values."""
    if isinstance(values, TicketSla):
        return share_of(**{name: getattr(values, name) for name in SHARE_FIELDS})
    return share_of(**{name: values[name] for name in SHARE_FIELDS})


def moved(before: tuple[Key, Share] | None, after: tuple[Key, Share] | None) -> dict[Key, Change]:
    """The changes of the groups a ticket leaves and joins (one group when its key stays)."""
    if before is not None and after is not None and before[0] == after[0]:
        return {after[0]: change(before[1], after[1])}
    changes = {}
    if before is not None:
        changes[before[0]] = change(before[1], None)
    if after is not None:
        changes[after[0]] = change(None, after[1])
    return changes


def merged(changes: Iterable[Mapping[Key, Change]]) -> dict[Key, Change]:
    """Several tickets' changes, added up per group."""
    total: dict[Key, Change] = {}
    for one in changes:
        for key, received in one.items():
            total[key] = total[key] + received if key in total else received
    return total


def record(changes: Mapping[Key, Change]) -> None:
    """Apply `changes` to the day figures, in the caller's transaction."""
    with connection.cursor() as cursor:
        for statement in count_statements(changes):
            cursor.execute(*statement)
    record_times(changes)


def count_statements(changes: Mapping[Key, Change]) -> list[Fragment]:
    """The statements that add `changes`' counts to their groups, in key order (a caller may
    send them with other writes: a new ticket's summary and deadlines, say)."""
    return [(_upsert(), [*key, *received.counts]) for key, received in _in_order(changes)]


def record_times(changes: Mapping[Key, Change]) -> None:
    """Take out and put in `changes`' first-response times, after their counts were added."""
    for key, received in _in_order(changes):
        if received.removed or received.added:
            _edit_times(key, received)


def _in_order(changes: Mapping[Key, Change]) -> list[tuple[Key, Change]]:
    return sorted((key, received) for key, received in changes.items() if received)


@functools.cache
def _upsert() -> str:
    quote = connection.ops.quote_name
    table = quote(DayFigures._meta.db_table)
    keys = ("day", "organisation_id", "service_key", "priority")
    names = ", ".join(quote(name) for name in (*keys, *COUNTS, "first_response_seconds"))
    placeholders = ", ".join(["%s"] * (len(keys) + len(COUNTS)))
    added = ", ".join(
        f"{quote(name)} = {table}.{quote(name)} + excluded.{quote(name)}" for name in COUNTS
    )
    conflict = ", ".join(quote(name) for name in keys)
    # Our names and fixed text; the values are parameters.
    return (
        f"INSERT INTO {table} ({names}) VALUES ({placeholders}, '[]') "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {added}"
    )


def _edit_times(key: Key, received: Change) -> None:
    """Take out and put in first-response times; the row is locked by the upsert just run."""
    day, organisation_id, service_key, priority = key
    row = DayFigures.objects.filter(
        day=day, organisation_id=organisation_id, service_key=service_key, priority=priority
    )
    times = list(row.values_list("first_response_seconds", flat=True)[:1])
    tally = Tally(first_response_seconds=list(times[0]) if times else [])
    missing = [
        seconds for seconds in received.removed if seconds not in tally.first_response_seconds
    ]
    if missing:
        logger.warning("SLA day figures %s lacked the times %s; rebuild them", key, missing)
    tally.apply(Change(removed=received.removed, added=received.added))
    row.update(first_response_seconds=tally.first_response_seconds)


def rebuild(
    *,
    summaries: Any = None,
    figures: Any = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute every day figure afresh from the SLA summaries; return the number of groups.

    `summaries` and `figures` are the models to use (a migration gives its historical ones). On
    PostgreSQL the figures table is locked first (EXCLUSIVE: reads go on, writes wait), so a
    ticket changed meanwhile adds its difference after the rebuild, to figures that do not hold
    it yet.
    """
    summaries = summaries or TicketSla
    figures = figures or DayFigures
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(figures._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        figures.objects.all().delete()
        groups: dict[Key, Tally] = defaultdict(Tally)
        rows = summaries.objects.values_list(
            "ticket__created_at",
            "ticket__organisation_id",
            "counted_service_key",
            "counted_priority",
            *SHARE_FIELDS,
        ).order_by()
        read = 0
        for opened, organisation_id, service_key, priority, *values in rows.iterator(
            chunk_size=PROGRESS_STEP
        ):
            key = (utc_day(opened), organisation_id, service_key, priority)
            groups[key].add_share(share_of(**dict(zip(SHARE_FIELDS, values, strict=True))))
            read += 1
            if progress is not None and read % PROGRESS_STEP == 0:
                progress(PROGRESS_STEP)
        if progress is not None and read % PROGRESS_STEP:
            progress(read % PROGRESS_STEP)
        figures.objects.bulk_create(
            (
                figures(
                    day=key[0],
                    organisation_id=key[1],
                    service_key=key[2],
                    priority=key[3],
                    first_response_seconds=tally.first_response_seconds,
                    **tally.counts(),
                )
                for key, tally in sorted(groups.items())
            ),
            batch_size=2_000,
        )
    return len(groups)
