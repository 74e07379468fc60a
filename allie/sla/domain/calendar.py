"""Business-hours calendars and business-time arithmetic.

A calendar has weekly hours (several local wall-clock ranges a day, ``24:00`` allowed as an end),
a time zone (default America/Toronto), the public holidays of a region from the ``holidays``
package (default ``CA-QC``: Canada, Québec), and absolute closures and openings.

**Business time** is the set of instants that are

    (on a local date that is not a holiday, with a local wall-clock time inside one of that
    weekday's ranges)  or  inside an opening,   and not inside a closure.

Ranges are half-open: ``["08:00", "12:00"]`` holds 08:00:00 and not 12:00:00.

**Daylight-saving changes** follow from that definition, which is about the wall clock:

- *Spring forward* (America/Toronto, 2026-03-08: the clock jumps from 02:00 to 03:00): local times
  from 02:00 to 03:00 do not exist, so no instant has them. A range ``["02:30", "04:00"]`` holds
  the instants from 03:00 EDT to 04:00 EDT (one real hour); ``["02:00", "03:00"]`` holds nothing;
  ``["00:00", "24:00"]`` lasts 23 hours.
- *Fall back* (2026-11-01: the clock goes back from 02:00 to 01:00): local times from 01:00 to
  02:00 happen twice and both count. ``["01:00", "01:30"]`` holds 01:00–01:30 EDT and 01:00–01:30
  EST (one real hour); ``["00:00", "24:00"]`` lasts 25 hours; ``["08:00", "17:00"]`` is unaffected.

The implementation works in local dates: for each date it finds the UTC offsets in force (two
around a transition, found by bisection to the second), maps each range to UTC once per offset and
keeps the part of it during which that offset is in force. This is exact for any zone whose
transitions are at least a day apart (every zone in use today), with no special case for folds
or gaps (the naive approach, ``fold=0`` on both ends, would give 30 minutes for the first example
and 30 minutes for the second).

All functions take aware datetimes (any zone) and return UTC; they never read the clock.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package

from allie.sla.domain.errors import CalendarError, NoBusinessTimeError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_TIMEZONE = "America/Toronto"
DEFAULT_HOLIDAYS = "CA-QC"
MINUTES_PER_DAY = 24 * 60
#: How far ``add_business_time`` looks for business time before giving up (ten years).
SEARCH_HORIZON = timedelta(days=3653)

_ONE_DAY = timedelta(days=1)
_TIME = re.compile(r"(\d{2}):(\d{2})")

Span = tuple[datetime, datetime]


@dataclass(frozen=True, order=True)
class TimeRange:
    """A local wall-clock range within a day, in minutes after midnight: ``[start, end)``."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start < MINUTES_PER_DAY and 0 < self.end <= MINUTES_PER_DAY):
            raise CalendarError(
                "time_out_of_range", "times must be between 00:00 and 24:00 (24:00 only as an end)"
            )
        if self.end <= self.start:
            raise CalendarError(
                "end_before_start",
                f"end must be after start ({_format_minutes(self.start)}"
                f"-{_format_minutes(self.end)})",
            )

    @classmethod
    def parse(cls, start: str, end: str) -> TimeRange:
        """Build a range from two ``"HH:MM"`` strings (``"24:00"`` allowed as the end).

        A bad time raises ``CalendarError`` whose field is ``[0]`` (start) or ``[1]`` (end).
        """
        start_minutes = _parse_time(start, allow_midnight_end=False, index=0)
        end_minutes = _parse_time(end, allow_midnight_end=True, index=1)
        return cls(start_minutes, end_minutes)

    def as_strings(self) -> tuple[str, str]:
        return _format_minutes(self.start), _format_minutes(self.end)

    def __str__(self) -> str:
        return "-".join(self.as_strings())


def _parse_time(text: object, *, allow_midnight_end: bool, index: int) -> int:
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(
            "invalid_time", f"not a time {_quoted(text)} (expected HH:MM)", field=f"[{index}]"
        )
    hours, minutes = int(match[1]), int(match[2])
    value = hours * 60 + minutes
    if (
        minutes > 59
        or value > MINUTES_PER_DAY
        or (value == MINUTES_PER_DAY and not allow_midnight_end)
    ):
        limit = "24:00" if allow_midnight_end else "23:59"
        raise CalendarError(
            "invalid_time", f"not a time {_quoted(text)} (00:00 to {limit})", field=f"[{index}]"
        )
    return value


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _quoted(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


@dataclass(frozen=True)
class Interval:
    """A half-open span of absolute time ``[start, end)``."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Calendar:
    """A business-hours calendar; validated when built (``CalendarError`` names the field).

    ``hours`` has seven tuples of ranges, Monday first, in the order they were given (error fields
    such as ``hours.mon[1]`` refer to that order). ``holidays`` is a region code for the
    ``holidays`` package: a country (``"CA"``) or a country and subdivision (``"CA-QC"``), or None.
    Only the package's *public* holidays count.
    """

    hours: tuple[tuple[TimeRange, ...], ...]
    timezone: str = DEFAULT_TIMEZONE
    holidays: str | None = DEFAULT_HOLIDAYS
    closures: tuple[Interval, ...] = ()
    openings: tuple[Interval, ...] = ()

    def __post_init__(self) -> None:
        _validate_hours(self.hours)
        _validate_timezone(self.timezone)
        if self.holidays is not None:
            _validate_region(self.holidays)
        for name in ("closures", "openings"):
            for index, interval in enumerate(getattr(self, name)):
                _validate_interval(interval, f"{name}[{index}]")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is a public holiday of the calendar's region."""
        return self.holidays is not None and day in _holiday_dates(self.holidays, day.year)

    def hours_spec(self) -> dict[str, list[list[str]]]:
        """The weekly hours as JSON-ready data: ``{"mon": [["08:00", "12:00"]], ...}``."""
        return {
            name: [list(r.as_strings()) for r in ranges]
            for name, ranges in zip(WEEKDAYS, self.hours, strict=True)
        }


def build_calendar(
    hours: Mapping[str, Sequence[Sequence[str]]],
    *,
    timezone: str = DEFAULT_TIMEZONE,
    holidays: str | None = DEFAULT_HOLIDAYS,
    closures: Iterable[Sequence[datetime]] = (),
    openings: Iterable[Sequence[datetime]] = (),
) -> Calendar:
    """Build a calendar from plain data, as an administrator gives it.

    ``hours`` maps weekday names (``mon`` … ``sun``; missing days have no hours) to lists of
    ``["HH:MM", "HH:MM"]`` pairs; closures and openings are ``(start, end)`` pairs of aware
    datetimes. Raises ``CalendarError`` whose ``field`` is a path such as ``hours.mon[0][1]``.
    """
    if not isinstance(hours, Mapping):
        raise CalendarError("invalid_hours", "must be an object keyed by weekday", field="hours")
    for key in hours:
        if key not in WEEKDAYS:
            raise CalendarError(
                "unknown_weekday",
                f"unknown weekday {_quoted(key)} (expected one of {', '.join(WEEKDAYS)})",
                field=f"hours.{key}",
            )
    week: list[tuple[TimeRange, ...]] = []
    for name in WEEKDAYS:
        ranges = hours.get(name, [])
        if not isinstance(ranges, Sequence) or isinstance(ranges, str):
            raise CalendarError(
                "invalid_day", 'must be a list of ["HH:MM", "HH:MM"] pairs', field=f"hours.{name}"
            )
        day: list[TimeRange] = []
        for index, pair in enumerate(ranges):
            field = f"hours.{name}[{index}]"
            if not _is_pair(pair):
                raise CalendarError(
                    "invalid_range", 'must be a pair ["HH:MM", "HH:MM"]', field=field
                )
            try:
                day.append(TimeRange.parse(pair[0], pair[1]))
            except CalendarError as error:
                raise error.prefixed(field) from None
        week.append(tuple(day))
    return Calendar(
        hours=tuple(week),
        timezone=timezone,
        holidays=holidays,
        closures=_intervals(closures, "closures"),
        openings=_intervals(openings, "openings"),
    )


def _is_pair(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2


def _intervals(pairs: Iterable[Sequence[datetime]], name: str) -> tuple[Interval, ...]:
    result = []
    for index, pair in enumerate(pairs):
        if not _is_pair(pair):
            raise CalendarError(
                "invalid_interval", "must be a pair [start, end]", field=f"{name}[{index}]"
            )
        result.append(Interval(pair[0], pair[1]))
    return tuple(result)


def _validate_hours(hours: tuple[tuple[TimeRange, ...], ...]) -> None:
    if len(hours) != len(WEEKDAYS):
        raise CalendarError("invalid_hours", "must have one entry per weekday", field="hours")
    for name, ranges in zip(WEEKDAYS, hours, strict=True):
        for index, item in enumerate(ranges):
            if not isinstance(item, TimeRange):
                raise CalendarError(
                    "invalid_range", "must be a time range", field=f"hours.{name}[{index}]"
                )
        by_start = sorted(range(len(ranges)), key=lambda i: ranges[i])
        for before, after in itertools.pairwise(by_start):
            if ranges[after].start < ranges[before].end:
                first, second = sorted((before, after))
                raise CalendarError(
                    "overlapping_ranges",
                    f"overlapping ranges ({ranges[first]} and {ranges[second]})",
                    field=f"hours.{name}[{first}]",
                    params={"other": f"hours.{name}[{second}]"},
                )
    if not any(hours):
        raise CalendarError(
            "no_business_hours",
            "no business hours at all: give at least one range on one weekday",
            field="hours",
        )


def _validate_timezone(key: object) -> None:
    try:
        if not isinstance(key, str) or not key:
            raise ValueError(key)
        ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise CalendarError(
            "unknown_timezone", f"unknown time zone {_quoted(key)}", field="timezone"
        ) from None


@lru_cache(maxsize=64)
def _region_exists(region: str) -> bool:
    country, _, subdivision = region.partition("-")
    if not country or (region.endswith("-") and not subdivision):
        return False
    try:
        holidays_package.country_holidays(country, subdiv=subdivision or None)
    # The holidays package answers an unknown country with NotImplementedError and an unknown
    # subdivision with NotImplementedError or KeyError, depending on the country's module.
    except (NotImplementedError, KeyError, ValueError, AttributeError, TypeError):
        return False
    return True


def _validate_region(region: object) -> None:
    if not isinstance(region, str) or not _region_exists(region):
        raise CalendarError(
            "unknown_region",
            f"unknown region {_quoted(region)}",
            field="holidays",
            params={"region": region},
        )


def _validate_interval(interval: object, field: str) -> None:
    if not isinstance(interval, Interval):
        raise CalendarError("invalid_interval", "must be an interval", field=field)
    for index, moment in enumerate((interval.start, interval.end)):
        if not isinstance(moment, datetime) or not _is_aware(moment):
            raise CalendarError(
                "naive_datetime", "must be a datetime with a UTC offset", field=f"{field}[{index}]"
            )
    if interval.end <= interval.start:
        raise CalendarError("end_before_start", "end must be after start", field=field)


@lru_cache(maxsize=512)
def _holiday_dates(region: str, year: int) -> frozenset[date]:
    """The public holidays of ``region`` in ``year`` (cached per region and year)."""
    country, _, subdivision = region.partition("-")
    table = holidays_package.country_holidays(
        country, subdiv=subdivision or None, years=year, categories=(holidays_package.PUBLIC,)
    )
    return frozenset(table.keys())


def _is_aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


def _require_aware(moment: datetime, name: str) -> datetime:
    if not isinstance(moment, datetime) or not _is_aware(moment):
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Arithmetic


@lru_cache(maxsize=4096)
def _day_offsets(zone_key: str, day: date) -> tuple[tuple[datetime, datetime, timedelta], ...]:
    """The UTC offsets in force around local date ``day``: ``(from, to, offset)`` in UTC.

    Covers the day before's noon to the day after's noon, which holds every instant of ``day``.
    A transition inside that window is found by bisection, to the second.
    """
    zone = ZoneInfo(zone_key)
    low = datetime.combine(day - _ONE_DAY, time(12), tzinfo=zone).astimezone(UTC)
    high = datetime.combine(day + _ONE_DAY, time(12), tzinfo=zone).astimezone(UTC)
    before = low.astimezone(zone).utcoffset()
    after = high.astimezone(zone).utcoffset()
    assert before is not None
    assert after is not None
    if before == after:
        return ((low, high, before),)
    lo, hi = 0, int((high - low).total_seconds())  # offset is `before` at lo and `after` at hi
    while hi - lo > 1:
        middle = (lo + hi) // 2
        if (low + timedelta(seconds=middle)).astimezone(zone).utcoffset() == before:
            lo = middle
        else:
            hi = middle
    change = low + timedelta(seconds=hi)
    return ((low, change, before), (change, high, after))


def _day_spans(zone_key: str, day: date, ranges: Sequence[TimeRange]) -> list[Span]:
    """The UTC spans during which the local wall clock on ``day`` is inside ``ranges``."""
    offsets = _day_offsets(zone_key, day)
    midnight = datetime.combine(day, time(), tzinfo=UTC)  # the wall clock, read as if it were UTC
    spans: list[Span] = []
    for item in ranges:
        wall_start = midnight + timedelta(minutes=item.start)
        wall_end = midnight + timedelta(minutes=item.end)
        for valid_from, valid_to, offset in offsets:
            start = max(wall_start - offset, valid_from)
            end = min(wall_end - offset, valid_to)
            if start < end:
                spans.append((start, end))
    if len(offsets) > 1:  # pieces of a range on both sides of a transition: sort and join them
        spans.sort()
        joined: list[Span] = []
        for start, end in spans:
            if joined and start <= joined[-1][1]:
                joined[-1] = (joined[-1][0], max(joined[-1][1], end))
            else:
                joined.append((start, end))
        spans = joined
    return spans


def _weekly_spans(calendar: Calendar, first_day: date, last_day: date) -> Iterator[Span]:
    week = [sorted(ranges) for ranges in calendar.hours]
    day = first_day
    while day <= last_day:
        ranges = week[day.weekday()]
        if ranges and not calendar.is_holiday(day):
            yield from _day_spans(calendar.timezone, day, ranges)
        day += _ONE_DAY


def _merge_overlapping(spans: Iterable[Span]) -> Iterator[Span]:
    """Merge overlapping spans of a sorted stream (adjacent ones stay apart, so it stays lazy)."""
    current: Span | None = None
    for start, end in spans:
        if current is None:
            current = (start, end)
        elif start < current[1]:
            if end > current[1]:
                current = (current[0], end)
        else:
            yield current
            current = (start, end)
    if current is not None:
        yield current


def _subtract(spans: Iterable[Span], cuts: Sequence[Span]) -> Iterator[Span]:
    """Remove sorted, non-overlapping ``cuts`` from a sorted stream of disjoint spans."""
    first = 0
    for start, end in spans:
        while first < len(cuts) and cuts[first][1] <= start:
            first += 1
        cursor = start
        index = first
        while index < len(cuts) and cuts[index][0] < end and cursor < end:
            cut_start, cut_end = cuts[index]
            if cut_start > cursor:
                yield cursor, cut_start
            cursor = max(cursor, cut_end)
            index += 1
        if cursor < end:
            yield cursor, end


def _utc_spans(intervals: Iterable[Interval]) -> list[Span]:
    return sorted((i.start.astimezone(UTC), i.end.astimezone(UTC)) for i in intervals)


def _spans(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Span]:
    """Business time within ``[start, end)`` (UTC), as sorted disjoint spans, lazily."""
    zone = calendar.zone
    # One day of margin each side: the instants of a local date lie within a day of its midnight.
    first_day = start.astimezone(zone).date() - _ONE_DAY
    last_day = end.astimezone(zone).date() + _ONE_DAY
    openings = [s for s in _utc_spans(calendar.openings) if s[1] > start and s[0] < end]
    closures = list(_merge_overlapping(_utc_spans(calendar.closures)))
    weekly = _weekly_spans(calendar, first_day, last_day)
    for span_start, span_end in _subtract(
        _merge_overlapping(heapq.merge(weekly, openings)), closures
    ):
        if span_end <= start:
            continue
        if span_start >= end:
            return
        yield max(span_start, start), min(span_end, end)


def business_intervals(calendar: Calendar, start: datetime, end: datetime) -> Iterator[Interval]:
    """The business time between ``start`` and ``end`` as sorted, disjoint UTC intervals.

    Intervals that touch (for example two days of a 24-hour calendar) may come separately.
    Nothing is yielded when ``end <= start``.
    """
    start_utc, end_utc = _require_aware(start, "start"), _require_aware(end, "end")
    if end_utc <= start_utc:
        return
    for span_start, span_end in _spans(calendar, start_utc, end_utc):
        yield Interval(span_start, span_end)


def business_time_between(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """The business time elapsed from ``start`` to ``end`` (not before ``start``)."""
    start_utc, end_utc = _require_aware(start, "start"), _require_aware(end, "end")
    if end_utc < start_utc:
        raise ValueError(f"end ({end}) is before start ({start})")
    total = timedelta(0)
    if end_utc == start_utc:  # a clock read at the moment it starts (a ticket just opened)
        return total
    for span_start, span_end in _spans(calendar, start_utc, end_utc):
        total += span_end - span_start
    return total


def business_seconds_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """``business_time_between`` in seconds."""
    return business_time_between(calendar, start, end).total_seconds()


def add_business_time(calendar: Calendar, start: datetime, amount: timedelta) -> datetime:
    """The earliest moment (UTC) at which ``amount`` of business time has elapsed since ``start``.

    ``amount == 0`` gives ``start``. Raises ``NoBusinessTimeError`` when the calendar does not
    offer that much business time within ``SEARCH_HORIZON`` (ten years) after ``start``, for
    example when closures cover everything.
    """
    return add_business_times(calendar, start, [amount])[0]


def add_business_times(
    calendar: Calendar, start: datetime, amounts: Sequence[timedelta]
) -> list[datetime]:
    """The moment each of ``amounts`` has elapsed since ``start`` (as ``add_business_time``
    defines it), all found in one walk of the calendar.

    A ticket's deadlines (every warning threshold of every clock) all start from now: walking
    the calendar once for all of them costs what one walk does.
    """
    start_utc = _require_aware(start, "start")
    for amount in amounts:
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
    due: list[datetime] = [start_utc] * len(amounts)
    waiting = sorted((a, i) for i, a in enumerate(amounts) if a > timedelta(0))
    if not waiting:
        return due
    elapsed = timedelta(0)
    for span_start, span_end in _spans(calendar, start_utc, start_utc + SEARCH_HORIZON):
        reached = elapsed + (span_end - span_start)
        while waiting and waiting[0][0] <= reached:
            amount, index = waiting.pop(0)
            due[index] = span_start + (amount - elapsed)
        if not waiting:
            return due
        elapsed = reached
    needed = waiting[0][0]
    raise NoBusinessTimeError(
        "no_business_time",
        f"the calendar offers only {elapsed.total_seconds():g} of the {needed.total_seconds():g} "
        f"business seconds needed in the ten years after {start_utc.isoformat()}",
        params={"start": start_utc, "needed": needed, "found": elapsed},
    )


def add_business_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """``add_business_time`` with the amount in seconds (rounded to the microsecond)."""
    return add_business_time(calendar, start, timedelta(seconds=seconds))


def is_business_time(calendar: Calendar, moment: datetime) -> bool:
    """Whether ``moment`` is business time, read directly from the definition (local wall clock).

    Independent of the interval arithmetic above, which the tests check against it.
    """
    instant = _require_aware(moment, "moment")
    for closure in calendar.closures:
        if closure.start <= instant < closure.end:
            return False
    for opening in calendar.openings:
        if opening.start <= instant < opening.end:
            return True
    local = instant.astimezone(calendar.zone)
    if calendar.is_holiday(local.date()):
        return False
    wall = local.replace(tzinfo=None) - datetime.combine(local.date(), time())
    return any(
        timedelta(minutes=r.start) <= wall < timedelta(minutes=r.end)
        for r in calendar.hours[local.weekday()]
    )
