"""The SLA clocks: the issue's example computed by hand, worked cases, then properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allie.sla.domain.calendar import Calendar, is_business_time
from allie.sla.domain.clock import (
    STOPPING_STATUSES,
    ClockState,
    Event,
    Policy,
    PublicReply,
    StatusChange,
    compute_clocks,
)
from allie.sla.domain.errors import ClockError, PolicyError
from allie.sla.tests.strategies import ANCHORS, calendars, local, office

MINUTE = 60
POLICY = Policy(first_response=60, next_update=240, resolution=960)
STATUSES = [
    "new",
    "acknowledged",
    "in_progress",
    "waiting_on_requester",
    "waiting_on_third_party",
    "resolved",
    "closed",
    "declined",
    "cancelled",
]


def monday_only() -> Calendar:
    from allie.sla.domain.calendar import build_calendar

    return build_calendar(
        {"mon": [["08:00", "12:00"], ["13:00", "17:00"]]},
        closures=[(local("2026-12-24 12:00"), local("2026-12-24 17:00"))],
        openings=[(local("2026-12-27 10:00"), local("2026-12-27 14:00"))],
    )


def test_the_example_of_issue_3_computed_by_hand() -> None:
    # Business hours: Mondays 08:00-12:00 and 13:00-17:00 only. The ticket opens on Friday
    # 2026-03-06 16:30 EST (no hours on Fridays); DST starts on Sunday the 8th; the first business
    # minute is Monday 2026-03-09 08:00 EDT.
    # - first response: opening -> public reply at 08:25 = 08:00-08:25 = 25 min = 1500 s <= 60 min:
    #   met; remaining 3600 - 1500 = 2100; stopped, so no due.
    # - next update: from the reply at 08:25 to now (10:00), status acknowledged (not paused):
    #   95 min = 5700 s; remaining 14400 - 5700 = 8700 s = 145 min; running on from 10:00:
    #   10:00-12:00 gives 120, lunch, then 25 more -> due 13:25 EDT. The interval before the
    #   reply (opening -> 08:25) counted 25 min < 240: breaches 0.
    # - resolution: 08:00-10:00 = 7200 s; remaining 57600 - 7200 = 50400 s = 840 min; the rest of
    #   Monday gives 120 + 240 = 360, leaving 480 = the whole of Monday 03-16 -> due 17:00 EDT.
    clocks = compute_clocks(
        monday_only(),
        POLICY,
        [
            StatusChange(datetime.fromisoformat("2026-03-06T16:30:00-05:00"), "new"),
            StatusChange(datetime.fromisoformat("2026-03-09T08:20:00-04:00"), "acknowledged"),
            PublicReply(datetime.fromisoformat("2026-03-09T08:25:00-04:00")),
        ],
        datetime.fromisoformat("2026-03-09T10:00:00-04:00"),
    )
    first, update, resolution = clocks.first_response, clocks.next_update, clocks.resolution
    assert (first.state, first.elapsed_seconds, first.remaining_seconds, first.due) == (
        ClockState.MET,
        1500,
        2100,
        None,
    )
    assert (update.state, update.elapsed_seconds, update.remaining_seconds, update.breaches) == (
        ClockState.RUNNING,
        5700,
        8700,
        0,
    )
    assert update.due == datetime.fromisoformat("2026-03-09T13:25:00-04:00")
    assert (resolution.state, resolution.elapsed_seconds, resolution.remaining_seconds) == (
        ClockState.RUNNING,
        7200,
        50400,
    )
    assert resolution.due == datetime.fromisoformat("2026-03-16T17:00:00-04:00")


def opened(at: str, status: str = "new") -> StatusChange:
    return StatusChange(local(at), status)


def test_first_response_never_pauses_and_stops_at_resolution() -> None:
    events: list[Event] = [
        opened("2026-02-02 09:00"),
        StatusChange(local("2026-02-02 09:10"), "waiting_on_requester"),
    ]
    clocks = compute_clocks(office(), POLICY, events, local("2026-02-02 09:40"))
    assert (clocks.first_response.state, clocks.first_response.elapsed_seconds) == (
        "running",
        40 * MINUTE,
    )
    assert clocks.first_response.due == local("2026-02-02 10:00")
    assert (clocks.resolution.state, clocks.resolution.elapsed_seconds) == ("paused", 10 * MINUTE)
    assert clocks.resolution.due is None
    assert clocks.next_update.state == "paused"

    events.append(StatusChange(local("2026-02-02 09:50"), "resolved"))
    clocks = compute_clocks(office(), POLICY, events, local("2026-02-03 12:00"))
    assert (clocks.first_response.state, clocks.first_response.elapsed_seconds) == (
        "met",
        50 * MINUTE,
    )
    assert clocks.first_response.due is None
    assert (clocks.resolution.state, clocks.resolution.elapsed_seconds) == ("met", 10 * MINUTE)


def test_a_running_breached_clock_is_due_in_the_past() -> None:
    clocks = compute_clocks(
        office(), POLICY, [opened("2026-02-06 16:30")], local("2026-02-09 09:00")
    )
    first = clocks.first_response
    assert first.state == ClockState.BREACHED
    assert (first.elapsed_seconds, first.remaining_seconds) == (90 * MINUTE, -30 * MINUTE)
    assert first.due == local("2026-02-09 08:30")  # 30 min on Friday, 30 on Monday


def test_a_stopped_breached_clock_has_no_due() -> None:
    events = [opened("2026-02-02 08:00"), PublicReply(local("2026-02-02 10:00"))]
    clocks = compute_clocks(office(), POLICY, events, local("2026-02-02 11:00"))
    assert (clocks.first_response.state, clocks.first_response.due) == ("breached", None)
    assert clocks.first_response.remaining_seconds == -60 * MINUTE


def test_resolution_resumes_adding_to_what_it_had_when_reopened() -> None:
    events = [
        opened("2026-02-02 08:00"),
        StatusChange(local("2026-02-02 10:00"), "resolved"),
        StatusChange(local("2026-02-04 08:00"), "in_progress"),
    ]
    clocks = compute_clocks(office(), POLICY, events, local("2026-02-04 09:00"))
    assert (clocks.resolution.state, clocks.resolution.elapsed_seconds) == (
        "running",
        3 * 60 * MINUTE,
    )
    assert clocks.resolution.due == local(
        "2026-02-05 13:00"
    )  # 13 h more: 8 on the 4th, 5 on the 5th


def test_next_update_counts_breached_intervals_between_public_replies() -> None:
    policy = Policy(first_response=600, next_update=60, resolution=6000)
    events = [
        opened("2026-02-02 08:00"),
        PublicReply(local("2026-02-02 09:30")),  # 90 min since opening: a breach
        PublicReply(local("2026-02-02 10:00")),  # 30 min: fine
        StatusChange(local("2026-02-02 10:10"), "waiting_on_requester"),
        StatusChange(local("2026-02-02 15:00"), "in_progress"),  # paused 10:10-15:00
        PublicReply(local("2026-02-02 16:00")),  # 10 + 60 = 70 min counted: a breach
    ]
    clocks = compute_clocks(office(), policy, events, local("2026-02-02 16:30"))
    assert (clocks.next_update.breaches, clocks.next_update.elapsed_seconds) == (2, 30 * MINUTE)
    assert clocks.next_update.due == local("2026-02-02 16:30") + timedelta(minutes=30)
    later = compute_clocks(office(), policy, events, local("2026-02-03 08:45"))
    assert (later.next_update.state, later.next_update.breaches) == ("breached", 3)
    assert later.next_update.elapsed_seconds == 105 * MINUTE  # 16:00-17:00, then 08:00-08:45
    assert later.next_update.due == local("2026-02-02 17:00")  # 60 min: 16:00-17:00


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(PolicyError) as caught:
        Policy(first_response=0, next_update=1, resolution=1)
    assert str(caught.value) == "first_response: must be a positive number of minutes"
    with pytest.raises(PolicyError):
        Policy(first_response=1, next_update=1, resolution=1, paused_statuses=frozenset({"closed"}))
    with pytest.raises(ClockError, match="first event must be a status"):
        compute_clocks(
            office(), POLICY, [PublicReply(local("2026-02-02 08:00"))], local("2026-02-03 08:00")
        )
    with pytest.raises(ClockError) as caught_now:
        compute_clocks(office(), POLICY, [opened("2026-02-02 08:00")], local("2026-02-01 08:00"))
    assert caught_now.value.field == "now"


# ---------------------------------------------------------------------------------------------
# Properties over random histories (whole minutes, within a few days of an interesting date)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Calendar, Policy, list[Event], datetime]:
    anchor = draw(st.sampled_from(ANCHORS))
    calendar = draw(calendars(anchor))
    # A target the calendar cannot offer within ten years is refused (NoBusinessTimeError, see
    # test_calendar): keep each target within 400 of its weeks, which even a calendar of one
    # minute a week, less its holidays and closures, offers.
    weekly = sum(hours.end - hours.start for day in calendar.hours for hours in day)
    most = 400 * weekly
    policy = Policy(
        first_response=draw(st.integers(1, min(600, most))),
        next_update=draw(st.integers(1, min(600, most))),
        resolution=draw(st.integers(1, min(2000, most))),
        paused_statuses=frozenset(
            draw(st.sets(st.sampled_from([s for s in STATUSES if s not in STOPPING_STATUSES])))
        ),
    )
    at = anchor + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    events: list[Event] = [StatusChange(at, draw(st.sampled_from(STATUSES[:3])))]
    for _ in range(draw(st.integers(0, 8))):
        at += timedelta(minutes=draw(st.integers(0, 12 * 60)))
        if draw(st.booleans()):
            events.append(PublicReply(at))
        else:
            events.append(StatusChange(at, draw(st.sampled_from(STATUSES))))
    end = at + timedelta(minutes=draw(st.integers(0, 24 * 60)))
    return calendar, policy, events, end


def status_at(events: list[Event], moment: datetime) -> str:
    return [e.status for e in events if isinstance(e, StatusChange) and e.at <= moment][-1]


@settings(max_examples=40, deadline=None)
@given(histories(), st.data())
def test_elapsed_never_decreases_as_now_advances(
    case: tuple[Calendar, Policy, list[Event], datetime], data: st.DataObject
) -> None:
    calendar, policy, events, end = case
    opening = events[0].at
    total = int((end - opening).total_seconds())
    first, second = sorted(data.draw(st.lists(st.integers(0, total), min_size=2, max_size=2)))
    earlier = compute_clocks(calendar, policy, events, opening + timedelta(seconds=first))
    later = compute_clocks(calendar, policy, events, opening + timedelta(seconds=second))
    assert later.first_response.elapsed_seconds >= earlier.first_response.elapsed_seconds
    assert later.resolution.elapsed_seconds >= earlier.resolution.elapsed_seconds
    assert later.next_update.breaches >= earlier.next_update.breaches
    replied_between = any(
        isinstance(e, PublicReply)
        and opening + timedelta(seconds=first) < e.at <= opening + timedelta(seconds=second)
        for e in events
    )
    if not replied_between:
        assert later.next_update.elapsed_seconds >= earlier.next_update.elapsed_seconds


@settings(max_examples=25, deadline=None)
@given(histories())
def test_paused_and_stopped_spans_consume_nothing(
    case: tuple[Calendar, Policy, list[Event], datetime],
) -> None:
    # Oracle, minute by minute: resolution counts a minute when it is business time and the
    # ticket's status then is neither paused nor stopping.
    calendar, policy, events, now = case
    counted = 0
    moment = events[0].at
    while moment < now:
        status = status_at(events, moment)
        if status not in policy.paused_statuses and status not in STOPPING_STATUSES:
            counted += is_business_time(calendar, moment)
        moment += timedelta(minutes=1)
    clocks = compute_clocks(calendar, policy, events, now)
    assert clocks.resolution.elapsed_seconds == counted * MINUTE
    current = status_at(events, now)
    if current in policy.paused_statuses:
        later = compute_clocks(calendar, policy, events, now + timedelta(hours=30))
        assert later.resolution.elapsed_seconds == clocks.resolution.elapsed_seconds
        assert (later.resolution.state, later.resolution.due) in {
            (ClockState.PAUSED, None),
            (ClockState.BREACHED, None),
        }


@settings(max_examples=40, deadline=None)
@given(histories())
def test_due_is_when_elapsed_reaches_the_target(
    case: tuple[Calendar, Policy, list[Event], datetime],
) -> None:
    calendar, policy, events, now = case
    clocks = compute_clocks(calendar, policy, events, now)
    for name in ("first_response", "next_update", "resolution"):
        reading = getattr(clocks, name)
        if reading.state in {ClockState.MET, ClockState.PAUSED}:
            assert reading.due is None
        if reading.due is None:
            continue
        assert reading.state in {ClockState.RUNNING, ClockState.BREACHED}
        assert (reading.due <= now) == (reading.elapsed_seconds >= reading.target_seconds)
        at_due = getattr(
            compute_clocks(calendar, policy, events, max(reading.due, events[0].at)), name
        )
        assert at_due.elapsed_seconds == reading.target_seconds
        assert at_due.state != ClockState.BREACHED
        assert reading.remaining_seconds == reading.target_seconds - reading.elapsed_seconds


def test_results_do_not_depend_on_the_zone_the_times_are_given_in() -> None:
    events = [opened("2026-03-06 16:30"), PublicReply(local("2026-03-09 08:25"))]
    now = local("2026-03-09 10:00")
    in_utc = [
        StatusChange(events[0].at.astimezone(UTC), "new"),
        PublicReply(events[1].at.astimezone(UTC)),
    ]
    assert compute_clocks(office(), POLICY, events, now) == compute_clocks(
        office(), POLICY, in_utc, now.astimezone(UTC)
    )
