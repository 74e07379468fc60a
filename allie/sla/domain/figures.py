"""What one ticket adds to the SLA compliance figures, and how those figures add up.

The compliance report adds up figures kept per day, organisation, service and priority (rollups)
instead of reading every ticket of the period. Each ticket adds its `Share` to its group; when
its clocks move, the group receives the difference between the old share and the new one. The
rule of what counts (met, decided, a first response given) lives here, once, for the rollups,
their rebuild and the tickets read one by one at the edges of a period.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

#: A clock whose outcome is known: met or breached. A clock still running in time is not counted.
DECIDED = frozenset({"met", "breached"})

#: The counted figures of a share, a change and a tally, in this order.
COUNTS = (
    "tickets",
    "first_response_met",
    "first_response_decided",
    "resolution_met",
    "resolution_decided",
    "next_update_breaches",
)


@dataclass(frozen=True)
class Share:
    """What one ticket adds to the figures of its group."""

    tickets: int = 1
    first_response_met: int = 0
    first_response_decided: int = 0
    resolution_met: int = 0
    resolution_decided: int = 0
    next_update_breaches: int = 0
    #: Business seconds to the first response, once it was given (its clock stopped).
    first_response_seconds: float | None = None


def share_of(
    *,
    first_response_state: str,
    first_response_elapsed: float,
    first_response_due_at: datetime | None,
    resolution_state: str,
    next_update_breaches: int,
) -> Share:
    """Return the share of a ticket whose SLA summary holds these values.

    A first response was given when its clock stopped decided (met or breached) with no due
    moment left; a clock breached while still waiting for the answer keeps its due moment.
    """
    given = first_response_state in DECIDED and first_response_due_at is None
    return Share(
        first_response_met=int(first_response_state == "met"),
        first_response_decided=int(first_response_state in DECIDED),
        resolution_met=int(resolution_state == "met"),
        resolution_decided=int(resolution_state in DECIDED),
        next_update_breaches=next_update_breaches,
        first_response_seconds=first_response_elapsed if given else None,
    )


@dataclass(frozen=True)
class Change:
    """What a group receives when one of its tickets' shares changes: counts to add (negative to
    take away) and first-response times to remove and to add."""

    counts: tuple[int, ...] = (0,) * len(COUNTS)
    removed: tuple[float, ...] = ()
    added: tuple[float, ...] = ()

    def __bool__(self) -> bool:
        return any(self.counts) or bool(self.removed or self.added)

    def __add__(self, other: Change) -> Change:
        counts = tuple(a + b for a, b in zip(self.counts, other.counts, strict=True))
        return Change(counts, self.removed + other.removed, self.added + other.added)


def change(before: Share | None, after: Share | None) -> Change:
    """The change a group receives when a ticket's share goes from `before` to `after` (None: the
    ticket is not, or no longer, in that group)."""
    old, new = _counts(before), _counts(after)
    removed = _seconds(before)
    added = _seconds(after)
    if removed == added:  # the same time stays: nothing to take out and put back
        removed = added = ()
    return Change(tuple(b - a for a, b in zip(old, new, strict=True)), removed, added)


def _counts(share: Share | None) -> tuple[int, ...]:
    if share is None:
        return (0,) * len(COUNTS)
    return tuple(getattr(share, name) for name in COUNTS)


def _seconds(share: Share | None) -> tuple[float, ...]:
    if share is None or share.first_response_seconds is None:
        return ()
    return (share.first_response_seconds,)


@dataclass
class Tally:
    """The figures of a group: its tickets' shares added up."""

    tickets: int = 0
    first_response_met: int = 0
    first_response_decided: int = 0
    resolution_met: int = 0
    resolution_decided: int = 0
    next_update_breaches: int = 0
    first_response_seconds: list[float] = field(default_factory=list)

    def add_share(self, share: Share) -> None:
        self.apply(change(None, share))

    def add_counts(self, counts: dict[str, int], seconds: list[float]) -> None:
        """Add figures kept elsewhere (a rollup row): its counts and its first-response times."""
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + counts[name])
        self.first_response_seconds.extend(seconds)

    def apply(self, received: Change) -> None:
        """Apply a change; a time to remove that the tally does not hold is ignored."""
        for name, delta in zip(COUNTS, received.counts, strict=True):
            setattr(self, name, getattr(self, name) + delta)
        for seconds in received.removed:
            if seconds in self.first_response_seconds:
                self.first_response_seconds.remove(seconds)
        self.first_response_seconds.extend(received.added)

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}

    @property
    def median_first_response_seconds(self) -> float | None:
        """The middle time to the first response, or the mean of the two middle ones."""
        values = self.first_response_seconds
        return statistics.median(values) if values else None


def utc_day(moment: datetime) -> date:
    """The day (in UTC) under which a ticket opened at `moment` is counted."""
    if moment.utcoffset() is None:
        raise ValueError("a ticket's opening is an aware moment")
    return moment.astimezone(UTC).date()


def whole_days(start: datetime, end: datetime) -> tuple[date, date] | None:
    """The UTC days wholly inside [start, end), as [first, last + 1), or None when there is none.

    A report in any time zone adds up the rollups of these days and reads the tickets of the
    hours before and after them one by one.
    """
    first = utc_day(start)
    if day_bounds(first, first)[0] < start:  # the period starts after that day's midnight
        first += timedelta(days=1)
    after = utc_day(end)
    if after <= first:
        return None
    return first, after


def day_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    """The moments [first 00:00 UTC, after 00:00 UTC)."""
    return (
        datetime(first.year, first.month, first.day, tzinfo=UTC),
        datetime(after.year, after.month, after.day, tzinfo=UTC),
    )
