"""Clock statuses: the business time since the summary was computed is counted once, per clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from allie.sla import presenters
from allie.sla.calendars import clear_calendar_cache, domain_calendar
from allie.sla.domain.calendar import business_seconds_between
from allie.sla.models import TicketSla

MONTREAL = ZoneInfo("America/Toronto")
COMPUTED = datetime(2026, 3, 2, 16, 0, tzinfo=MONTREAL)  # Monday 16:00, an hour before closing
NOW = datetime(2026, 3, 3, 10, 30, tzinfo=MONTREAL)  # Tuesday 10:30: 3 h of business time


@pytest.fixture(autouse=True)
def cold_calendar_cache():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


def summary(**states: str) -> TicketSla:
    """A hand-made summary: three clocks with their own targets, elapsed times and states."""
    running = {"first_response", "next_update", "resolution"}
    values = {
        "first_response": (240, 3_000.0),
        "next_update": (480, 20_000.0),
        "resolution": (2_700, 50_000.0),
    }
    sla = TicketSla(computed_at=COMPUTED, next_update_breaches=0)
    for clock, (target, elapsed) in values.items():
        state = states.get(clock, "running")
        setattr(sla, f"{clock}_target", target)
        setattr(sla, f"{clock}_elapsed", elapsed)
        setattr(sla, f"{clock}_state", state)
        due = COMPUTED + timedelta(hours=5) if state == "running" and clock in running else None
        setattr(sla, f"{clock}_due_at", due)
    return sla


def old_statuses(sla: TicketSla, now: datetime) -> list[tuple[str, bool, float, float]]:
    """The computation before the gap was shared: one calendar walk per counting clock."""
    rows = []
    for name in ("first_response", "next_update", "resolution"):
        elapsed = float(getattr(sla, f"{name}_elapsed"))
        counting = sla.due_of(name) is not None
        if counting and now > sla.computed_at:
            elapsed += business_seconds_between(
                domain_calendar(sla.calendar_id), sla.computed_at, now
            )
        target = float(getattr(sla, f"{name}_target")) * 60
        rows.append((name, counting, elapsed, target - elapsed))
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    "states",
    [
        {},
        {"first_response": "met"},
        {"next_update": "paused", "resolution": "paused"},
        {"first_response": "met", "next_update": "met", "resolution": "met"},
    ],
)
@pytest.mark.parametrize("now", [NOW, COMPUTED, COMPUTED - timedelta(hours=1)])
def test_each_clock_keeps_its_own_remaining_time(states, now):
    sla = summary(**states)

    statuses = presenters.clock_statuses(sla, now)

    assert [
        (s.clock, s.counting, s.elapsed_seconds, s.remaining_seconds) for s in statuses
    ] == old_statuses(sla, now)


@pytest.mark.django_db
def test_the_three_running_clocks_differ_by_their_own_figures_only():
    statuses = presenters.clock_statuses(summary(), NOW)

    gap = 3 * 3600  # Monday 16:00-17:00 and Tuesday 08:30-10:30 (the default hours)
    assert [s.remaining_seconds for s in statuses] == [
        240 * 60 - 3_000 - gap,
        480 * 60 - 20_000 - gap,
        2_700 * 60 - 50_000 - gap,
    ]


@pytest.mark.django_db
def test_the_calendar_is_walked_once_per_summary(monkeypatch):
    calls = []

    def counted(calendar, start, end):
        calls.append((start, end))
        return business_seconds_between(calendar, start, end)

    monkeypatch.setattr(presenters, "business_seconds_between", counted)

    presenters.clock_statuses(summary(), NOW)

    assert calls == [(COMPUTED, NOW)]
