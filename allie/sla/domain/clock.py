"""The SLA clocks of one ticket, computed from its history at a given moment.

``compute_clocks(calendar, policy, events, now)`` is pure: the same inputs give the same readings.
The first event opens the ticket and must be a status; later events are status changes or public
replies. Events are taken in time order (ties keep their given order); events after ``now`` are
ignored. Durations are business time on the calendar.

- **first_response** runs from the opening to the first public reply, or to the first of
  ``resolved``, ``closed``, ``declined`` or ``cancelled`` if that comes earlier. It never pauses.
- **next_update** measures the interval since the latest public reply (the first interval starts
  at the opening). Within it, time counts while the status is neither paused nor stopping. The
  clock is stopped while the status is ``resolved``/``closed``/``declined``/``cancelled`` and
  paused in the policy's paused statuses; a reopened ticket counts on in the same interval.
  ``breaches`` counts the intervals between consecutive public replies (the current one
  included) whose counted time exceeded the target.
- **resolution** counts all the time the ticket is open and not paused; it stops in the stopping
  statuses and, when the ticket is reopened, resumes adding to what it had.

States: ``breached`` as soon as elapsed exceeds the target (stopped or not); otherwise ``met``
for a stopped clock, ``paused`` for a paused one, ``running`` for a running one. ``remaining`` is
target minus elapsed (negative once breached). ``due`` is the earliest moment at which elapsed
reaches (or reached) the target given the history and the clock running on from ``now``: in the
past for a running, breached clock; None when the clock is paused or stopped.
"""

from __future__ import annotations

import enum
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from allie.sla.domain.calendar import (
    Calendar,
    add_business_time,
    add_business_times,
    business_time_between,
)
from allie.sla.domain.errors import ClockError, PolicyError

#: Statuses that stop the clocks (the ticket lifecycle's resolved and final statuses).
STOPPING_STATUSES: frozenset[str] = frozenset({"resolved", "closed", "declined", "cancelled"})
DEFAULT_PAUSED_STATUSES: frozenset[str] = frozenset({"waiting_on_requester"})
#: The largest target accepted, in business minutes (about 16,000 business hours).
MAX_TARGET_MINUTES = 1_000_000
CLOCKS: tuple[str, ...] = ("first_response", "next_update", "resolution")

Span = tuple[datetime, datetime]


class ClockState(enum.StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Policy:
    """SLA targets in business minutes, and the statuses in which the clocks pause."""

    first_response: float
    next_update: float
    resolution: float
    paused_statuses: frozenset[str] = DEFAULT_PAUSED_STATUSES

    def __post_init__(self) -> None:
        for name in CLOCKS:
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value <= 0
            ):
                raise PolicyError(
                    "invalid_target", "must be a positive number of minutes", field=name
                )
            if value > MAX_TARGET_MINUTES:
                raise PolicyError(
                    "target_too_large", f"must be at most {MAX_TARGET_MINUTES} minutes", field=name
                )
        if isinstance(self.paused_statuses, str):
            raise PolicyError(
                "invalid_paused_statuses", "must be a set of statuses", field="paused_statuses"
            )
        object.__setattr__(self, "paused_statuses", frozenset(self.paused_statuses))
        stopping = sorted(self.paused_statuses & STOPPING_STATUSES)
        if stopping:
            raise PolicyError(
                "stopping_status_paused",
                f'"{stopping[0]}" stops the clocks; it cannot pause them',
                field="paused_statuses",
                params={"status": stopping[0]},
            )

    def target(self, clock: str) -> timedelta:
        return timedelta(minutes=getattr(self, clock))


@dataclass(frozen=True)
class StatusChange:
    """The ticket entered ``status`` at ``at`` (the first one opens the ticket)."""

    at: datetime
    status: str


@dataclass(frozen=True)
class PublicReply:
    """An agent replied publicly (the requester can see it) at ``at``."""

    at: datetime


Event = StatusChange | PublicReply


@dataclass(frozen=True)
class ClockReading:
    """One clock at ``now``: seconds are business seconds; ``due`` is UTC or None."""

    state: ClockState
    elapsed_seconds: float
    remaining_seconds: float
    target_seconds: float
    due: datetime | None


@dataclass(frozen=True)
class NextUpdateReading(ClockReading):
    breaches: int = 0


@dataclass(frozen=True)
class SlaClocks:
    first_response: ClockReading
    next_update: NextUpdateReading
    resolution: ClockReading


def compute_clocks(
    calendar: Calendar, policy: Policy, events: Sequence[Event], now: datetime
) -> SlaClocks:
    """Read the three clocks of a ticket at ``now`` (see the module's documentation)."""
    now = _utc(now, "now")
    if not events:
        raise ClockError("no_events", "there must be at least one event", field="events")
    for index, item in enumerate(events):
        if not isinstance(item, StatusChange | PublicReply):
            raise ClockError("invalid_event", "not an event", field=f"events[{index}]")
        _utc(item.at, f"events[{index}].at")
    ordered = sorted(events, key=lambda item: item.at)  # stable: ties keep their order
    if not isinstance(ordered[0], StatusChange):
        raise ClockError(
            "not_opened_by_status",
            "the first event must be a status: it opens the ticket",
            field="events[0]",
        )
    opened_at = ordered[0].at.astimezone(UTC)
    if now < opened_at:
        raise ClockError("now_before_opening", "is before the ticket was opened", field="now")
    history = [item for item in ordered if item.at <= now]

    statuses = [
        (item.at.astimezone(UTC), item.status) for item in history if isinstance(item, StatusChange)
    ]
    replies = [item.at.astimezone(UTC) for item in history if isinstance(item, PublicReply)]
    current = statuses[-1][1]
    stopped = current in STOPPING_STATUSES
    paused = not stopped and current in policy.paused_statuses
    # The spans during which next update and resolution count: status neither paused nor stopping.
    counting = [
        (start, end)
        for (start, status), end in zip(statuses, [s[0] for s in statuses[1:]] + [now], strict=True)
        if start < end and status not in STOPPING_STATUSES and status not in policy.paused_statuses
    ]

    # First response: from the opening to the first reply or stopping status, never paused.
    stops = [at for at, status in statuses if status in STOPPING_STATUSES][:1] + replies[:1]
    first_stop = min(stops) if stops else None
    first_response = _count(
        calendar,
        policy.target("first_response"),
        [(opened_at, first_stop or now)],
        stopped=first_stop is not None,
        paused=False,
    )
    resolution = _count(
        calendar, policy.target("resolution"), counting, stopped=stopped, paused=paused
    )

    # Next update: intervals between consecutive public replies, the first from the opening.
    target = policy.target("next_update")
    bounds = [opened_at, *replies, now]
    breaches = 0
    for start, end in itertools.pairwise(bounds):
        if _total(calendar, _clip(counting, start, end)) > target:
            breaches += 1
    latest = _count(
        calendar, target, _clip(counting, bounds[-2], now), stopped=stopped, paused=paused
    )
    first, update, whole = _readings(calendar, now, [first_response, latest, resolution])
    next_update = NextUpdateReading(
        state=update.state,
        elapsed_seconds=update.elapsed_seconds,
        remaining_seconds=update.remaining_seconds,
        target_seconds=update.target_seconds,
        due=update.due,
        breaches=breaches,
    )
    return SlaClocks(first_response=first, next_update=next_update, resolution=whole)


def _utc(moment: datetime, field: str) -> datetime:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ClockError("naive_datetime", "must be a datetime with a UTC offset", field=field)
    return moment.astimezone(UTC)


def _clip(spans: Iterable[Span], start: datetime, end: datetime) -> list[Span]:
    clipped = []
    for span_start, span_end in spans:
        low, high = max(span_start, start), min(span_end, end)
        if low < high:
            clipped.append((low, high))
    return clipped


def _total(calendar: Calendar, spans: Iterable[Span]) -> timedelta:
    return sum((business_time_between(calendar, start, end) for start, end in spans), timedelta(0))


@dataclass(frozen=True)
class _Counted:
    """A clock's reading before its due moment is known, when it runs on from ``now``."""

    state: ClockState
    elapsed: timedelta
    target: timedelta
    due: datetime | None
    runs_on: bool  # due when ``target - elapsed`` more business time has passed after ``now``


def _count(
    calendar: Calendar,
    target: timedelta,
    spans: Sequence[Span],
    *,
    stopped: bool,
    paused: bool,
) -> _Counted:
    """Count a clock that counted during ``spans`` (all before ``now``)."""
    elapsed = timedelta(0)
    due: datetime | None = None
    for start, end in spans:
        length = business_time_between(calendar, start, end)
        if due is None and elapsed + length >= target:
            due = add_business_time(calendar, start, target - elapsed)
        elapsed += length
    if elapsed > target:
        state = ClockState.BREACHED
    elif stopped:
        state = ClockState.MET
    elif paused:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    if stopped or paused:
        return _Counted(state, elapsed, target, None, runs_on=False)
    return _Counted(state, elapsed, target, due, runs_on=due is None)


def _readings(calendar: Calendar, now: datetime, counted: Sequence[_Counted]) -> list[ClockReading]:
    """Finish the readings; the clocks that run on from ``now`` share one walk of the calendar."""
    running = [item for item in counted if item.runs_on]
    dues = iter(add_business_times(calendar, now, [item.target - item.elapsed for item in running]))
    return [
        ClockReading(
            state=item.state,
            elapsed_seconds=item.elapsed.total_seconds(),
            remaining_seconds=(item.target - item.elapsed).total_seconds(),
            target_seconds=item.target.total_seconds(),
            due=next(dues) if item.runs_on else item.due,
        )
        for item in counted
    ]
