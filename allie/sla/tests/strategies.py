"""Hypothesis strategies and helpers shared by the SLA tests.

Every boundary the strategies produce is on a whole minute (hours, closures, openings, event times,
and the UTC offsets of the zones used), so a minute is either wholly business time or not at all:
counting business minutes one by one with ``is_business_time`` is an independent oracle for the
interval arithmetic.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from allie.sla.domain.calendar import (
    Calendar,
    Interval,
    TimeRange,
    build_calendar,
    is_business_time,
)

TORONTO = ZoneInfo("America/Toronto")
ZONES = ["America/Toronto", "Europe/Paris", "Australia/Lord_Howe", "America/St_Johns"]

# Local midnights near the interesting days: both DST changes in each zone, Québec holidays,
# Easter Monday (not a public holiday), and the example's dates.
ANCHORS = [
    datetime(2026, 3, 7, tzinfo=UTC),  # America/Toronto and St. John's spring forward on the 8th
    datetime(2026, 10, 31, tzinfo=UTC),  # ... and fall back on 1 November
    datetime(2026, 3, 28, tzinfo=UTC),  # Europe/Paris: 29 March and 25 October
    datetime(2026, 10, 24, tzinfo=UTC),
    datetime(2026, 4, 3, tzinfo=UTC),  # Good Friday (holiday); Lord Howe falls back on the 5th
    datetime(2026, 10, 2, tzinfo=UTC),  # Lord Howe springs forward (30 minutes) on the 4th
    datetime(2026, 6, 23, tzinfo=UTC),  # Fête nationale on the 24th
    datetime(2026, 6, 30, tzinfo=UTC),  # Canada Day on 1 July
    datetime(2026, 12, 23, tzinfo=UTC),  # Christmas
]


def office(**overrides: object) -> Calendar:
    """Monday to Friday, 08:00-17:00 in Montréal, with Québec's public holidays."""
    spec: dict[str, object] = {
        "hours": {day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    }
    spec.update(overrides)
    hours = spec.pop("hours")
    return build_calendar(hours, **spec)  # type: ignore[arg-type]


def local(text: str) -> datetime:
    """A Montréal wall-clock time, ``"2026-03-09 08:00"`` (fold=0)."""
    return datetime.fromisoformat(text).replace(tzinfo=TORONTO)


@st.composite
def day_ranges(draw: st.DrawFn) -> tuple[TimeRange, ...]:
    """Zero to three non-overlapping ranges in a day (boundaries on whole minutes)."""
    count = draw(st.integers(0, 3))
    bounds = sorted(draw(st.sets(st.integers(0, 24 * 60), min_size=2 * count, max_size=2 * count)))
    return tuple(TimeRange(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))


def moments(anchor: datetime, *, days: int = 3) -> st.SearchStrategy[datetime]:
    """Whole-minute UTC moments within ``days`` after ``anchor``."""
    return st.integers(0, days * 24 * 60).map(lambda minutes: anchor + timedelta(minutes=minutes))


@st.composite
def calendars(draw: st.DrawFn, anchor: datetime | None = None) -> Calendar:
    week = draw(st.lists(day_ranges(), min_size=7, max_size=7).filter(any))
    base = anchor or datetime(2026, 3, 7, tzinfo=UTC)
    intervals = st.lists(
        st.tuples(moments(base), st.integers(1, 24 * 60)).map(
            lambda pair: Interval(pair[0], pair[0] + timedelta(minutes=pair[1]))
        ),
        max_size=2,
    )
    return Calendar(
        hours=tuple(week),
        timezone=draw(st.sampled_from(ZONES)),
        holidays=draw(st.sampled_from(["CA-QC", None])),
        closures=tuple(draw(intervals)),
        openings=tuple(draw(intervals)),
    )


def business_minutes_by_sampling(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Count, minute by minute, the business minutes in ``[start, end)`` (whole-minute bounds)."""
    count = 0
    moment = start
    while moment < end:
        count += is_business_time(calendar, moment)
        moment += timedelta(minutes=1)
    return count
