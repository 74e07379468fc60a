"""Business-hours calendars: worked examples, validation, then properties over random calendars."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allie.sla.domain.calendar import (
    Calendar,
    Interval,
    add_business_seconds,
    add_business_time,
    add_business_times,
    build_calendar,
    business_intervals,
    business_seconds_between,
    business_time_between,
    is_business_time,
)
from allie.sla.domain.errors import CalendarError, NoBusinessTimeError
from allie.sla.tests.strategies import (
    ANCHORS,
    business_minutes_by_sampling,
    calendars,
    local,
    moments,
    office,
)

HOUR = 3600


def every_day(*ranges: list[str], **overrides: object) -> Calendar:
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return build_calendar({day: list(ranges) for day in days}, **overrides)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Nights and weekends


def test_a_night_holds_no_business_time() -> None:
    assert (
        business_seconds_between(office(), local("2026-02-02 16:00"), local("2026-02-03 09:00"))
        == 2 * HOUR
    )


def test_adding_stops_at_the_end_of_the_day_rather_than_the_next_morning() -> None:
    assert add_business_seconds(office(), local("2026-02-02 16:00"), HOUR) == local(
        "2026-02-02 17:00"
    )
    assert add_business_seconds(office(), local("2026-02-02 16:00"), HOUR + 1) == local(
        "2026-02-03 08:00"
    ) + timedelta(seconds=1)


def test_adding_nothing_gives_the_start_even_outside_business_hours() -> None:
    saturday = local("2026-02-07 12:00")
    assert add_business_seconds(office(), saturday, 0) == saturday


def test_a_weekend_holds_no_business_time() -> None:
    friday, monday = local("2026-02-06 16:00"), local("2026-02-09 09:00")
    assert business_seconds_between(office(), friday, monday) == 2 * HOUR
    assert add_business_seconds(office(), friday, 2 * HOUR) == monday


def test_results_are_utc() -> None:
    due = add_business_seconds(office(), local("2026-02-06 16:00"), 2 * HOUR)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 2, 9, 14, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------
# Daylight-saving changes in America/Toronto: 2026-03-08 (02:00 → 03:00), 2026-11-01 (02:00 → 01:00)


def test_a_weekend_across_spring_forward() -> None:
    # Friday 16:00 EST (21:00 UTC) + 2 h = Friday's last hour, then Monday 08:00-09:00 EDT.
    due = add_business_seconds(office(), local("2026-03-06 16:00"), 2 * HOUR)
    assert due == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert business_seconds_between(office(), local("2026-03-06 16:00"), due) == 2 * HOUR


def test_a_weekend_across_fall_back() -> None:
    due = add_business_seconds(office(), local("2026-10-30 16:00"), 2 * HOUR)
    assert due == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_a_whole_day_lasts_23_hours_at_spring_forward_and_25_at_fall_back() -> None:
    calendar = every_day(["00:00", "24:00"], holidays=None)
    spring = business_seconds_between(
        calendar, local("2026-03-08 00:00"), local("2026-03-09 00:00")
    )
    autumn = business_seconds_between(
        calendar, local("2026-11-01 00:00"), local("2026-11-02 00:00")
    )
    assert (spring, autumn) == (23 * HOUR, 25 * HOUR)


def test_a_range_starting_in_the_skipped_hour_starts_when_the_clock_shows_03_00() -> None:
    calendar = every_day(["02:30", "04:00"], holidays=None)
    day = list(business_intervals(calendar, local("2026-03-08 00:00"), local("2026-03-09 00:00")))
    # 03:00 EDT to 04:00 EDT: the wall clock is inside 02:30-04:00 for one real hour.
    assert day == [
        Interval(datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 8, 8, tzinfo=UTC))
    ]


def test_a_range_inside_the_skipped_hour_holds_nothing() -> None:
    calendar = every_day(["02:00", "03:00"], holidays=None)
    assert (
        business_seconds_between(calendar, local("2026-03-08 00:00"), local("2026-03-09 00:00"))
        == 0
    )
    assert (
        business_seconds_between(calendar, local("2026-03-09 00:00"), local("2026-03-10 00:00"))
        == HOUR
    )


def test_a_range_inside_the_repeated_hour_counts_twice() -> None:
    calendar = every_day(["01:00", "01:30"], holidays=None)
    day = list(business_intervals(calendar, local("2026-11-01 00:00"), local("2026-11-02 00:00")))
    assert day == [
        Interval(datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        Interval(datetime(2026, 11, 1, 6, tzinfo=UTC), datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
    ]


# ---------------------------------------------------------------------------------------------
# Québec holidays (public ones only), closures and openings


def test_fete_nationale_is_a_holiday() -> None:
    week = (local("2026-06-22 00:00"), local("2026-06-27 00:00"))
    assert business_seconds_between(office(), *week) == 4 * 9 * HOUR
    assert add_business_seconds(office(), local("2026-06-23 16:00"), 2 * HOUR) == local(
        "2026-06-25 09:00"
    )


def test_without_a_region_the_fete_nationale_is_worked() -> None:
    assert add_business_seconds(
        office(holidays=None), local("2026-06-23 16:00"), 2 * HOUR
    ) == local("2026-06-24 09:00")


def test_canada_day_is_a_holiday() -> None:
    assert (
        business_seconds_between(office(), local("2026-07-01 00:00"), local("2026-07-02 00:00"))
        == 0
    )
    assert (
        business_seconds_between(office(), local("2026-06-29 00:00"), local("2026-07-04 00:00"))
        == 36 * HOUR
    )


def test_good_friday_is_a_holiday_but_easter_monday_is_not() -> None:
    assert (
        business_seconds_between(office(), local("2026-04-03 00:00"), local("2026-04-04 00:00"))
        == 0
    )
    assert (
        business_seconds_between(office(), local("2026-04-06 00:00"), local("2026-04-07 00:00"))
        == 9 * HOUR
    )


def test_closures_and_openings() -> None:
    calendar = office(
        closures=[(local("2026-12-24 12:00"), local("2026-12-24 17:00"))],
        openings=[(local("2026-12-27 10:00"), local("2026-12-27 14:00"))],
    )
    # Mon-Wed 27 h, Thursday 08:00-12:00, Christmas (Friday) a holiday, Sunday's opening 4 h.
    week = (local("2026-12-21 00:00"), local("2026-12-28 00:00"))
    assert business_seconds_between(calendar, *week) == (27 + 4 + 4) * HOUR
    assert add_business_seconds(calendar, local("2026-12-24 11:00"), 2 * HOUR) == local(
        "2026-12-27 11:00"
    )


def test_a_closure_wins_over_an_opening_and_openings_merge_with_hours() -> None:
    calendar = office(
        openings=[(local("2026-02-02 16:00"), local("2026-02-02 19:00"))],
        closures=[(local("2026-02-02 18:00"), local("2026-02-02 18:30"))],
    )
    assert list(
        business_intervals(calendar, local("2026-02-02 00:00"), local("2026-02-03 00:00"))
    ) == [
        Interval(
            local("2026-02-02 08:00").astimezone(UTC), local("2026-02-02 18:00").astimezone(UTC)
        ),
        Interval(
            local("2026-02-02 18:30").astimezone(UTC), local("2026-02-02 19:00").astimezone(UTC)
        ),
    ]


def test_a_calendar_closed_for_years_gives_a_clear_error() -> None:
    calendar = office(closures=[(local("2026-01-01 00:00"), local("2040-01-01 00:00"))])
    with pytest.raises(NoBusinessTimeError) as caught:
        add_business_seconds(calendar, local("2026-02-02 09:00"), 60)
    assert caught.value.code == "no_business_time"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(office(), datetime(2026, 2, 2), local("2026-02-03 00:00"))


# ---------------------------------------------------------------------------------------------
# Validation: a code and the field


@pytest.mark.parametrize(
    ("spec", "field", "code"),
    [
        ({"hours": {"mon": []}}, "hours", "no_business_hours"),
        ({"hours": {}}, "hours", "no_business_hours"),
        (
            {"hours": {"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}},
            "hours.mon[0]",
            "overlapping_ranges",
        ),
        (
            {"hours": {"tue": [["13:00", "17:00"], ["08:00", "13:30"]]}},
            "hours.tue[0]",
            "overlapping_ranges",
        ),
        ({"hours": {"mon": [["12:00", "08:00"]]}}, "hours.mon[0]", "end_before_start"),
        ({"hours": {"mon": [["08:00", "08:00"]]}}, "hours.mon[0]", "end_before_start"),
        ({"hours": {"mon": [["8:00", "12:00"]]}}, "hours.mon[0][0]", "invalid_time"),
        ({"hours": {"mon": [["08:00", "24:01"]]}}, "hours.mon[0][1]", "invalid_time"),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, "hours.mon[0][0]", "invalid_time"),
        ({"hours": {"mon": [["08:00"]]}}, "hours.mon[0]", "invalid_range"),
        ({"hours": {"lun": [["08:00", "12:00"]]}}, "hours.lun", "unknown_weekday"),
        (
            {"hours": {"mon": [["08:00", "12:00"]]}, "holidays": "XX-YY"},
            "holidays",
            "unknown_region",
        ),
        ({"hours": {"mon": [["08:00", "12:00"]]}, "holidays": "CA-"}, "holidays", "unknown_region"),
        (
            {"hours": {"mon": [["08:00", "12:00"]]}, "timezone": "Mars/Olympus"},
            "timezone",
            "unknown_timezone",
        ),
        (
            {
                "hours": {"mon": [["08:00", "12:00"]]},
                "closures": [(local("2026-01-02 00:00"), local("2026-01-01 00:00"))],
            },
            "closures[0]",
            "end_before_start",
        ),
        (
            {
                "hours": {"mon": [["08:00", "12:00"]]},
                "openings": [(datetime(2026, 1, 1), local("2026-01-02 00:00"))],
            },
            "openings[0][0]",
            "naive_datetime",
        ),
    ],
)
def test_invalid_calendars_are_refused_naming_the_field(spec: dict, field: str, code: str) -> None:
    hours = spec.pop("hours")
    with pytest.raises(CalendarError) as caught:
        build_calendar(hours, **spec)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert str(caught.value).startswith(f"{field}: ")


def test_an_unknown_region_is_named_in_the_message() -> None:
    with pytest.raises(CalendarError, match='unknown region "XX-YY"'):
        office(holidays="XX-YY")


def test_touching_ranges_and_24_00_are_accepted() -> None:
    calendar = build_calendar({"sat": [["12:00", "24:00"], ["00:00", "12:00"]]}, holidays=None)
    assert (
        business_seconds_between(calendar, local("2026-02-07 00:00"), local("2026-02-08 00:00"))
        == 24 * HOUR
    )
    assert calendar.hours_spec()["sat"] == [["12:00", "24:00"], ["00:00", "12:00"]]


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def calendar_and_span(draw: st.DrawFn, days: int = 2) -> tuple[Calendar, datetime, datetime]:
    anchor = draw(st.sampled_from(ANCHORS))
    calendar = draw(calendars(anchor))
    first, second = draw(moments(anchor, days=days)), draw(moments(anchor, days=days))
    return calendar, min(first, second), max(first, second)


@settings(max_examples=40, deadline=None)
@given(calendar_and_span())
def test_business_time_matches_counting_minute_by_minute(
    case: tuple[Calendar, datetime, datetime],
) -> None:
    calendar, start, end = case
    expected = business_minutes_by_sampling(calendar, start, end) * 60
    assert business_seconds_between(calendar, start, end) == expected


@settings(max_examples=60, deadline=None)
@given(calendar_and_span(days=3))
def test_intervals_are_sorted_disjoint_bounded_and_business_time(
    case: tuple[Calendar, datetime, datetime],
) -> None:
    calendar, start, end = case
    intervals = list(business_intervals(calendar, start, end))
    for interval in intervals:
        assert start <= interval.start < interval.end <= end
        assert is_business_time(calendar, interval.start)
        assert is_business_time(calendar, interval.end - timedelta(microseconds=1))
    for before, after in itertools.pairwise(intervals):
        assert before.end <= after.start


@settings(max_examples=60, deadline=None)
@given(calendar_and_span(days=4), st.data())
def test_business_time_is_additive_over_a_split_point(
    case: tuple[Calendar, datetime, datetime], data: st.DataObject
) -> None:
    calendar, start, end = case
    split = start + data.draw(st.integers(0, int((end - start).total_seconds() * 1e6))) * timedelta(
        microseconds=1
    )
    assert business_time_between(calendar, start, split) + business_time_between(
        calendar, split, end
    ) == business_time_between(calendar, start, end)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ANCHORS).flatmap(lambda anchor: st.tuples(calendars(anchor), moments(anchor))),
    st.integers(0, 10**6),
    st.integers(1, 3 * 7 * 24 * HOUR),
)
def test_adding_n_seconds_then_measuring_gives_n(
    case: tuple[Calendar, datetime], microseconds: int, seconds: int
) -> None:
    calendar, start = case
    start += timedelta(microseconds=microseconds)
    amount = timedelta(seconds=seconds)
    due = add_business_time(calendar, start, amount)
    assert business_time_between(calendar, start, due) == amount
    # ... and it is the earliest such moment.
    assert business_time_between(calendar, start, due - timedelta(microseconds=1)) < amount


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(ANCHORS).flatmap(lambda anchor: st.tuples(calendars(anchor), moments(anchor))),
    st.lists(st.integers(0, 3 * 7 * 24 * HOUR), max_size=12),
)
def test_adding_several_amounts_in_one_walk_gives_each_amount_added_alone(
    case: tuple[Calendar, datetime], seconds: list[int]
) -> None:
    calendar, start = case
    amounts = [timedelta(seconds=s) for s in seconds]
    assert add_business_times(calendar, start, amounts) == [
        add_business_time(calendar, start, amount) for amount in amounts
    ]


def test_adding_several_amounts_past_what_the_calendar_offers_gives_a_clear_error() -> None:
    calendar = office(closures=[(local("2026-01-05 00:00"), local("2040-01-01 00:00"))])
    start = local("2026-01-02 09:00")
    assert add_business_times(calendar, start, [timedelta(hours=1)]) == [local("2026-01-02 10:00")]
    with pytest.raises(NoBusinessTimeError) as caught:
        add_business_times(calendar, start, [timedelta(hours=1), timedelta(days=30)])
    assert caught.value.params["needed"] == timedelta(days=30)
    with pytest.raises(ValueError, match="negative"):
        add_business_times(calendar, start, [timedelta(seconds=-1)])
