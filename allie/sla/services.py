"""SLA use cases: recompute a ticket's clocks and deadlines, and sweep the due deadlines.

The clocks are the pure domain code (`allie.sla.domain.clock`); this module feeds it the ticket's
history from the timeline, stores the summary on `TicketSla`, and keeps one row per future
warning or breach in the `Deadline` table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from allie.core.inserts import Fragment, insert
from allie.core.reference_cache import cached_reference, watch
from allie.sla import figures
from allie.sla.calendars import resolve_calendar
from allie.sla.domain.calendar import Calendar, add_business_times
from allie.sla.domain.clock import (
    CLOCKS,
    ClockReading,
    ClockState,
    Event,
    Policy,
    PublicReply,
    SlaClocks,
    StatusChange,
    compute_clocks,
)
from allie.sla.models import (
    Deadline,
    SlaPolicy,
    SlaSettings,
    TicketSla,
)
from allie.tickets.models import Ticket, TimelineEvent
from allie.tickets.timeline import append_events

logger = logging.getLogger(__name__)

# Targets in business minutes when no policy is configured (first response, next update,
# resolution). Administrators override them with SlaPolicy rows.
# The same figures are the default policies created by migration sla 0002.
BUILT_IN_TARGETS: dict[str, tuple[int, int, int]] = {
    "p1": (15, 60, 240),
    "p2": (30, 120, 480),
    "p3": (60, 240, 1350),
    "p4": (240, 480, 2700),
}


@dataclass
class SweepBatch:
    """What one batch of the sweep gathers, so its effects are written with bulk inserts.

    `memo` lives for the batch: a handler keeps there what it read (an organisation's ladder,
    say) from one deadline to the next. `events` are the timeline events to append, in order;
    the sweeper writes them in one insert once every handler has run.
    """

    now: datetime
    memo: dict[Any, Any] = field(default_factory=dict)
    events: list[TimelineEvent] = field(default_factory=list)


# A deadline handler receives a batch's deadlines, each with its ticket's SLA summary (None if
# the ticket has none), and the batch. It runs inside the batch's transaction, so its effects
# commit with the deadlines' handled marks, or not at all.
DeadlineHandler = Callable[[Sequence[tuple[Deadline, "TicketSla | None"]], SweepBatch], None]

# Effects of handled deadlines beyond the timeline entry (the escalation ladder registers
# itself here).
deadline_handlers: list[DeadlineHandler] = []


def calendar_for(ticket: Ticket) -> tuple[int | None, Calendar]:
    """Return the calendar that applies (the site's, else the organisation's, else the default)
    and its id (None for the built-in calendar), from the in-process calendar cache."""
    chosen: int | None = None
    if ticket.site_id is not None:
        chosen = ticket.site.calendar_id
    if chosen is None:
        chosen = ticket.organisation.calendar_id
    return resolve_calendar(chosen)


def _policies() -> dict[tuple[int | None, str], SlaPolicy]:
    """Every policy by (service id or None, priority): a few dozen rows, cached in-process."""

    def load() -> dict[tuple[int | None, str], SlaPolicy]:
        return {(row.service_id, row.priority): row for row in SlaPolicy.objects.order_by()}

    return cached_reference("sla_policies", load)


watch(SlaPolicy)  # an administrator's change clears the cached policies


def policy_for(ticket: Ticket, paused: frozenset[str]) -> tuple[SlaPolicy | None, Policy]:
    """Return the policy of the ticket's service and priority, else the priority's default."""
    policies = _policies()
    row = None
    if ticket.service_id is not None:
        row = policies.get((ticket.service_id, ticket.priority))
    if row is None:
        row = policies.get((None, ticket.priority))
    if row is not None:
        return row, row.to_domain(paused)
    first, update, resolution = BUILT_IN_TARGETS[ticket.priority]
    return None, Policy(
        first_response=first, next_update=update, resolution=resolution, paused_statuses=paused
    )


def clock_events(ticket: Ticket) -> list[Event]:
    """Return the ticket's history as the clock reads it: statuses and agents' public replies."""
    events: list[Event] = []
    rows = ticket.events.filter(
        kind__in=[
            TimelineEvent.Kind.OPENED,
            TimelineEvent.Kind.STATUS_CHANGE,
            TimelineEvent.Kind.PUBLIC_REPLY,
        ]
    ).order_by("created_at", "id")
    for row in rows.only("kind", "created_at", "data", "ticket_id"):
        if row.kind == TimelineEvent.Kind.OPENED:
            events.append(StatusChange(at=row.created_at, status="new"))
        elif row.kind == TimelineEvent.Kind.STATUS_CHANGE:
            events.append(StatusChange(at=row.created_at, status=str(row.data.get("to"))))
        elif row.data.get("by_agent"):
            events.append(PublicReply(at=row.created_at))
    if not events or not isinstance(events[0], StatusChange):
        events.insert(0, StatusChange(at=ticket.created_at, status="new"))
    return events


def read_clocks(
    ticket: Ticket, *, now: datetime, opened: bool = False
) -> tuple[SlaClocks, Calendar, Policy, dict[str, Any]]:
    """Return the ticket's clocks at `now`, with the calendar and policy that produced them.

    `opened`: the ticket was just opened and its opening is its whole history (no query).
    """
    settings_row = SlaSettings.current()
    paused = frozenset(settings_row.paused_statuses)
    calendar_id, calendar = calendar_for(ticket)
    policy_row, policy = policy_for(ticket, paused)
    if opened:
        history: list[Event] = [StatusChange(at=ticket.created_at, status="new")]
    else:
        history = clock_events(ticket)
    clocks = compute_clocks(calendar, policy, history, max(now, ticket.created_at))
    context = {
        "calendar_id": calendar_id,
        "policy": policy_row,
        "thresholds": sorted({int(t) for t in settings_row.warning_thresholds}),
    }
    return clocks, calendar, policy, context


def refresh_ticket_sla(
    ticket: Ticket, *, now: datetime | None = None, by: Any = None, opened: bool = False
) -> TicketSla:
    """Recompute the ticket's clocks, store the summary and re-plan its future deadlines.

    Called by every ticket service in its own transaction, so the SLA never lags the ticket.
    `opened` (from `open_ticket` only): the ticket was opened in this transaction, so it has no
    summary, no deadline and no history beyond its opening yet; nothing of them is read.
    """
    now = now or timezone.now()
    clocks, calendar, policy, context = read_clocks(ticket, now=now, opened=opened)
    targets = {name: int(policy.target(name).total_seconds() // 60) for name in CLOCKS}
    previous = None if opened else TicketSla.objects.filter(ticket=ticket).first()
    old_targets = _targets_of(previous) if previous is not None else targets
    readings = {name: getattr(clocks, name) for name in CLOCKS}
    running_dues = [r.due for r in readings.values() if r.state in _COUNTING and r.due is not None]
    key = figures.key_of(ticket)
    values: dict[str, Any] = {
        "calendar_id": context["calendar_id"],
        "policy": context["policy"],
        "next_breach_at": min(running_dues, default=None),
        "next_update_breaches": clocks.next_update.breaches,
        "computed_at": now,
        "counted_service_key": key[2],
        "counted_priority": key[3],
    }
    for name, reading in readings.items():
        values[f"{name}_target"] = targets[name]
        values[f"{name}_state"] = reading.state.value
        values[f"{name}_elapsed"] = reading.elapsed_seconds
        values[f"{name}_due_at"] = reading.due
    rows = _deadline_rows(ticket, clocks, calendar, context["thresholds"], now=now)
    before = None if previous is None else figures.counted(ticket, previous)
    changes = figures.moved(before, (key, figures.share_from(values)))
    # Plain create or update: this runs inside the ticket service's transaction, which holds
    # the ticket row, so no savepoint dance (update_or_create) is needed.
    if previous is None:
        # A ticket seen for the first time has no deadline yet: its summary, its deadlines and
        # its day figures go in one statement on PostgreSQL.
        deadlines = _deadlines_insert(rows)
        then = [*([deadlines] if deadlines else []), *figures.count_statements(changes)]
        summary = insert(TicketSla(ticket=ticket, **values), then=then)
        figures.record_times(changes)
        return summary
    figures.record(changes)
    TicketSla.objects.filter(pk=previous.pk).update(**values)
    summary = previous
    for field_name, value in values.items():
        setattr(summary, field_name, value)
    if old_targets != targets:
        TimelineEvent.objects.create(
            ticket=ticket,
            kind=TimelineEvent.Kind.SYSTEM,
            actor=by,
            is_public=False,
            data={"sla": "targets_changed", "from": old_targets, "to": targets},
            created_at=now,
        )
    # Deadlines already due stay for the sweeper; handled ones stay as history.
    Deadline.objects.filter(ticket=ticket, handled_at__isnull=True, due_at__gt=now).delete()
    _insert_deadlines(rows)
    return summary


_COUNTING = frozenset({ClockState.RUNNING, ClockState.BREACHED})


def _targets_of(summary: TicketSla) -> dict[str, int]:
    return {name: getattr(summary, f"{name}_target") for name in CLOCKS}


def _deadline_rows(
    ticket: Ticket, clocks: SlaClocks, calendar: Calendar, thresholds: list[int], *, now: datetime
) -> list[tuple[int, str, int, int, datetime]]:
    """The pending deadlines (ticket, clock, cycle, threshold, due) of the clocks now running.

    A threshold already crossed is planned "now" and the unique key keeps it from being raised
    twice.
    """
    planned = []
    remaining = []  # business time from now to each threshold (none when already crossed)
    for name in CLOCKS:
        reading: ClockReading = getattr(clocks, name)
        if not _is_running(reading):
            continue
        cycle = _cycle(ticket, name)
        for threshold in [*thresholds, 100]:
            needed = reading.target_seconds * threshold / 100
            planned.append((ticket.pk, name, cycle, threshold))
            remaining.append(timedelta(seconds=max(0.0, needed - reading.elapsed_seconds)))
    if not planned:
        return []
    dues = add_business_times(calendar, now, remaining)
    return [(*row, due) for row, due in zip(planned, dues, strict=True)]


def _deadlines_insert(rows: list[tuple[int, str, int, int, datetime]]) -> Fragment | None:
    """The INSERT of pending deadlines (ticket, clock, cycle, threshold, due), skipping those the
    unique key already holds; None when there are none.

    One plain INSERT: the ORM's `bulk_create` built a model and prepared every field of each of
    the dozen rows a ticket plans, which cost more than the rest of the SLA's refresh. On
    PostgreSQL the rows go as five arrays, so the statement is the same whatever their number:
    converted once by psycopg and kept prepared by the server (allie/core/database.py), where
    a dozen rows as VALUES (sixty parameters) were parsed afresh at every ticket.
    """
    if not rows:
        return None
    quote = connection.ops.quote_name
    names = ("ticket_id", "clock", "cycle", "threshold", "due_at")
    columns = ", ".join(quote(name) for name in names)
    table = quote(Deadline._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value  # aware UTC times, as the ORM writes
    if connection.vendor == "postgresql":
        source = (
            "SELECT *, '' FROM UNNEST(%s::bigint[], %s::varchar[], %s::integer[], "
            "%s::integer[], %s::timestamptz[])"
        )
        params: list[Any] = [list(column) for column in zip(*rows, strict=True)]
    else:
        source = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, '')"] * len(rows))
        params = [value for row in rows for value in (*row[:4], adapt(row[4]))]
    # Our names in the text; the values are parameters.
    sql = f"INSERT INTO {table} ({columns}, {quote('outcome')}) {source} ON CONFLICT DO NOTHING"
    return sql, params


def _insert_deadlines(rows: list[tuple[int, str, int, int, datetime]]) -> None:
    statement = _deadlines_insert(rows)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def _is_running(reading: ClockReading) -> bool:
    return reading.state in (ClockState.RUNNING, ClockState.BREACHED) and reading.due is not None


def _cycle(ticket: Ticket, clock: str) -> int:
    # Next update restarts at each public reply; the others run once per ticket.
    return ticket.agent_reply_count if clock == "next_update" else 0


# --- The sweeper ----------------------------------------------------------------------------


def due_deadline_ids(*, now: datetime, limit: int) -> list[int]:
    """Return the ids of pending deadlines due at `now`, oldest first (a partial index)."""
    return list(
        Deadline.objects.filter(handled_at__isnull=True, due_at__lte=now)
        .order_by("due_at")
        .values_list("id", flat=True)[:limit]
    )


def handle_deadline(deadline_id: int, *, now: datetime | None = None) -> bool:
    """Handle one due deadline, in its own transaction; False when it was already handled.

    An error in its effect propagates (and nothing of it is kept).
    """
    now = now or timezone.now()
    outcome = _handle_batch(Deadline.objects.filter(pk=deadline_id), now=now, isolate=False)
    return outcome.handled == 1


def sweep_deadlines(*, now: datetime | None = None, batch: int = 100) -> int:
    """Handle every deadline due at `now`; return how many this call handled.

    Its cost follows the number of due rows, not the number of open tickets. Each round claims a
    batch of due rows and handles them in one transaction: each deadline's effect and its handled
    mark commit together with the batch, or not at all (one commit per batch, not per row). When
    a deadline's effect fails, the batch is handled again with a savepoint per deadline: the
    broken one is logged, left pending for the next sweep, and holds back nothing else. Rounds go
    on while they make progress, so rows skipped because another worker held their ticket are
    read again.
    """
    now = now or timezone.now()
    handled = 0
    failed: set[int] = set()
    while True:
        due = Deadline.objects.filter(handled_at__isnull=True, due_at__lte=now).exclude(
            pk__in=failed
        )
        rows = due.order_by("due_at", "pk")[:batch]
        try:
            outcome = _handle_batch(rows, now=now, isolate=False)
        except Exception:
            # Something in the batch failed and the whole batch rolled back: handle it again
            # with a savepoint per deadline, so only the broken rows stay pending.
            outcome = _handle_batch(rows, now=now, isolate=True)
        handled += outcome.handled
        if outcome.handled == 0 and outcome.failed <= failed:
            return handled
        failed |= outcome.failed


@dataclass
class _BatchOutcome:
    handled: int = 0
    failed: set[int] = field(default_factory=set)


def _handle_batch(rows: QuerySet[Deadline], *, now: datetime, isolate: bool) -> _BatchOutcome:
    """Claim `rows` and handle them in one transaction (each in a savepoint when `isolate`).

    On PostgreSQL each deadline and its ticket are claimed together, skipping locked rows, so two
    workers never handle two deadlines of one ticket at once (each would raise the same
    escalation step, not seeing the other's). On SQLite the transaction takes the write lock
    first (IMMEDIATE), so workers take turns; the compare-and-set on `handled_at` stays as a guard.
    """
    outcome = _BatchOutcome()
    with transaction.atomic():
        claim = rows.select_related(
            "ticket", "ticket__organisation", "ticket__requester", "ticket__team", "ticket__owner"
        )
        if connection.features.has_select_for_update_skip_locked:
            claim = claim.select_for_update(skip_locked=True, no_key=True, of=("self", "ticket"))
        deadlines = list(claim)
        if not deadlines:
            return outcome
        summaries = {
            row.ticket_id: row
            for row in TicketSla.objects.filter(ticket_id__in={d.ticket_id for d in deadlines})
        }
        batch = SweepBatch(now=now)
        items = [(deadline, summaries.get(deadline.ticket_id)) for deadline in deadlines]
        done: dict[str, list[int]] = {"warning": [], "breach": []}
        if not isolate:
            _apply(items, batch)
            for deadline, _summary in items:
                done[_outcome_of(deadline)].append(deadline.pk)
        else:
            for deadline, _summary in items:
                try:
                    with transaction.atomic():
                        summary = summaries.get(deadline.ticket_id)
                        _apply([(deadline, summary)], batch)
                    done[_outcome_of(deadline)].append(deadline.pk)
                except Exception:
                    logger.exception("SLA deadline %s could not be handled", deadline.pk)
                    outcome.failed.add(deadline.pk)
                    # What the failed deadline wrote was rolled back: forget what was read since.
                    batch = SweepBatch(now=now)
                    summaries[deadline.ticket_id] = TicketSla.objects.filter(
                        ticket_id=deadline.ticket_id
                    ).first()
        for result, ids in done.items():
            if not ids:
                continue
            marked = Deadline.objects.filter(pk__in=ids, handled_at__isnull=True).update(
                handled_at=now, outcome=result
            )
            if marked != len(ids):  # another worker got there first: keep nothing of ours
                logger.warning("SLA sweep batch lost a race; rolled back, retried next sweep")
                transaction.set_rollback(True)
                return _BatchOutcome(failed=outcome.failed)
            outcome.handled += marked
    return outcome


def _outcome_of(deadline: Deadline) -> str:
    return "breach" if deadline.is_breach else "warning"


def _apply(items: Sequence[tuple[Deadline, TicketSla | None]], batch: SweepBatch) -> None:
    """Write the deadlines' effects: timeline entries, breached states, then the handlers'.

    Each effect is gathered first and written in bulk: one insert for the timeline entries,
    one update per clock for the states, whatever the number of deadlines.
    """
    now = batch.now
    breached: dict[str, list[TicketSla]] = {}
    for deadline, summary in items:
        data = {"sla": _outcome_of(deadline), **deadline.describe()}
        data["due_at"] = deadline.due_at.isoformat()
        target_due = summary.due_of(deadline.clock) if summary is not None else None
        if target_due is not None:
            data["target_due_at"] = target_due.isoformat()  # when the target itself falls due
        batch.events.append(
            TimelineEvent(
                ticket=deadline.ticket,  # loaded: the notices it causes read it
                kind=TimelineEvent.Kind.SYSTEM,
                is_public=False,
                data=data,
                created_at=now,
            )
        )
        running = summary is not None and (
            getattr(summary, f"{deadline.clock}_state") == ClockState.RUNNING.value
        )
        if deadline.is_breach and running:
            breached.setdefault(deadline.clock, []).append(summary)  # type: ignore[arg-type]
    tickets = {deadline.ticket_id: deadline.ticket for deadline, _summary in items}
    moves = []
    for clock, summaries in breached.items():
        state_field = f"{clock}_state"
        TicketSla.objects.filter(
            pk__in=[summary.pk for summary in summaries],
            **{state_field: ClockState.RUNNING.value},
        ).update(**{state_field: ClockState.BREACHED.value})
        for summary in summaries:
            ticket = tickets[summary.ticket_id]
            before = figures.counted(ticket, summary)
            setattr(summary, state_field, ClockState.BREACHED.value)
            moves.append(figures.moved(before, figures.counted(ticket, summary)))
    figures.record(figures.merged(moves))
    for handler in deadline_handlers:
        handler(items, batch)
    events, batch.events = batch.events, []
    append_events(events)
