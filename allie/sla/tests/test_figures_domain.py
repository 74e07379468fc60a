"""What a ticket adds to the compliance figures, and how the figures add up: plain Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from allie.sla.domain.figures import (
    COUNTS,
    Share,
    Tally,
    change,
    day_bounds,
    share_of,
    utc_day,
    whole_days,
)

DUE = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def share(**values):
    defaults = {
        "first_response_state": "running",
        "first_response_elapsed": 0.0,
        "first_response_due_at": DUE,
        "resolution_state": "running",
        "next_update_breaches": 0,
    }
    return share_of(**{**defaults, **values})


def test_a_ticket_still_waiting_counts_only_as_a_ticket():
    assert share() == Share(tickets=1)


def test_a_first_response_given_in_time_is_met_decided_and_timed():
    given_in_time = share(
        first_response_state="met", first_response_elapsed=600.0, first_response_due_at=None
    )

    assert given_in_time.first_response_met == given_in_time.first_response_decided == 1
    assert given_in_time.first_response_seconds == 600.0


def test_a_first_response_breached_while_waiting_is_decided_but_not_timed():
    # The clock breached but keeps running (its due moment stays) until somebody answers.
    waiting = share(first_response_state="breached", first_response_elapsed=99_999.0)

    assert (waiting.first_response_met, waiting.first_response_decided) == (0, 1)
    assert waiting.first_response_seconds is None


def test_resolution_and_next_update_breaches_count():
    resolved = share(resolution_state="met", next_update_breaches=2)

    assert (resolved.resolution_met, resolved.resolution_decided) == (1, 1)
    assert resolved.next_update_breaches == 2


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two():
    assert (
        Tally(first_response_seconds=[60.0, 600.0, 120.0, 2400.0]).median_first_response_seconds
        == 360.0
    )
    assert Tally().median_first_response_seconds is None


# --- Changes add up to the figures of the final shares ------------------------------------

states = st.sampled_from(["running", "met", "breached", "paused"])
shares = st.builds(
    share_of,
    first_response_state=states,
    first_response_elapsed=st.floats(0, 1e7, allow_nan=False).map(lambda s: round(s, 3)),
    first_response_due_at=st.sampled_from([None, DUE]),
    resolution_state=states,
    next_update_breaches=st.integers(0, 5),
)
keys = st.sampled_from(["laptop/p4", "laptop/p1", "printer/p4"])
# A history of writes: (ticket, its group now, its share now).
histories = st.lists(st.tuples(st.integers(0, 6), keys, shares), max_size=40)


@given(histories)
def test_applying_each_change_gives_the_figures_of_the_final_shares(history):
    kept: dict[str, Tally] = {}
    latest: dict[int, tuple[str, Share]] = {}
    for ticket, key, now in history:
        before = latest.get(ticket)
        if before is not None and before[0] != key:
            kept.setdefault(before[0], Tally()).apply(change(before[1], None))
            kept.setdefault(key, Tally()).apply(change(None, now))
        else:
            kept.setdefault(key, Tally()).apply(change(before and before[1], now))
        latest[ticket] = (key, now)

    fresh: dict[str, Tally] = {}
    for key, final in latest.values():
        fresh.setdefault(key, Tally()).add_share(final)
    for key in set(kept) | set(fresh):
        mine, theirs = kept.get(key, Tally()), fresh.get(key, Tally())
        assert mine.counts() == theirs.counts()
        assert sorted(mine.first_response_seconds) == sorted(theirs.first_response_seconds)


@given(shares, shares)
def test_a_change_and_its_reverse_cancel_out(old, new):
    there, back = change(old, new), change(new, old)

    assert not there + back or (there + back).counts == (0,) * len(COUNTS)


def test_an_unchanged_share_changes_nothing():
    same = share(
        first_response_state="met", first_response_elapsed=30.0, first_response_due_at=None
    )

    assert not change(same, same)


# --- The whole UTC days of a period in any time zone ---------------------------------------

zones = st.sampled_from(
    [
        timezone(timedelta(hours=h, minutes=m))
        for h, m in [(0, 0), (-5, 0), (-3, -30), (14, 0), (5, 45), (-12, 0)]
    ]
)


@given(
    zones,
    st.dates(date(2000, 1, 1), date(2090, 1, 1)),
    st.integers(0, 400),
)
def test_whole_days_lie_inside_the_period_and_leave_less_than_a_day_on_each_side(zone, day, length):
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    end = start + timedelta(days=length + 1)

    days = whole_days(start, end)

    if days is None:
        assert end - start < timedelta(days=2)
        return
    first, after = day_bounds(*days)
    assert start <= first < after <= end
    assert first - start < timedelta(days=1)
    assert end - after < timedelta(days=1)


@given(zones, st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1)))
def test_a_moment_is_counted_under_its_utc_day(zone, naive):
    moment = naive.replace(tzinfo=zone)

    assert utc_day(moment) == moment.astimezone(UTC).date()


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError, match="aware"):
        utc_day(datetime(2026, 3, 2))
