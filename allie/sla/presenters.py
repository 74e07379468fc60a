"""How a ticket's SLA reads as of now: remaining business time and countdown words.

`TicketSla` is stored when the ticket changes (`computed_at`); between changes the running
clocks keep counting in business time. Reading "time left" therefore needs the ticket's
calendar: domain calendars are cached in-process for a short time (`allie.sla.calendars`), so a
queue of many tickets costs no query per row (and at most two when the cache is cold).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from allie.sla.calendars import domain_calendar
from allie.sla.domain.calendar import Calendar, business_seconds_between
from allie.sla.domain.clock import CLOCKS
from allie.sla.models import Clock, TicketSla

#: Below this share of its target left, a running clock shows as a warning.
WARNING_SHARE = 0.25

# --- Reading the clocks as of now ----------------------------------------------------------


@dataclass(frozen=True)
class ClockStatus:
    """One clock of a ticket as of `now`: seconds are business seconds."""

    clock: str
    label: str
    state: str  # the stored state: running, paused, met, breached
    counting: bool  # the clock runs on (running, or breached and still running)
    target_seconds: float
    elapsed_seconds: float
    remaining_seconds: float
    due_at: datetime | None

    @property
    def level(self) -> str:
        """The badge level: ok, warning, breached, paused, met or stopped."""
        if self.counting:
            if self.remaining_seconds <= 0:
                return "breached"
            if self.remaining_seconds < self.target_seconds * WARNING_SHARE:
                return "warning"
            return "ok"
        if self.state == "breached":
            return "breached"
        if self.state == "paused":
            return "paused"
        return "met" if self.state == "met" else "stopped"

    @property
    def text(self) -> str:
        return countdown_text(self)


def clock_statuses(sla: TicketSla, now: datetime) -> list[ClockStatus]:
    """Return the three clocks of `sla` as of `now`, in business time."""
    # Every counting clock has run on by the same business time since the summary was
    # computed: work it out once (the calendar walk is the costly part of a queue row).
    since_computed: float | None = None
    statuses = []
    for name in CLOCKS:
        state = sla.state_of(name)
        due = sla.due_of(name)
        target = float(getattr(sla, f"{name}_target")) * 60
        elapsed = float(getattr(sla, f"{name}_elapsed"))
        counting = due is not None  # the clock runs on only while it has a due moment
        if counting and now > sla.computed_at:
            if since_computed is None:
                calendar: Calendar = domain_calendar(sla.calendar_id)
                since_computed = business_seconds_between(calendar, sla.computed_at, now)
            elapsed += since_computed
        statuses.append(
            ClockStatus(
                clock=name,
                label=str(Clock(name).label),
                state=state,
                counting=counting,
                target_seconds=target,
                elapsed_seconds=elapsed,
                remaining_seconds=target - elapsed,
                due_at=due,
            )
        )
    return statuses


def most_urgent(sla: TicketSla | None, now: datetime) -> ClockStatus | None:
    """Return the running clock with the least time left, else a paused one, else None."""
    if sla is None:
        return None
    statuses = clock_statuses(sla, now)
    counting = [status for status in statuses if status.counting]
    if counting:
        return min(counting, key=lambda status: status.remaining_seconds)
    paused = [status for status in statuses if status.state == "paused"]
    return paused[0] if paused else None


def format_business_duration(seconds: float) -> str:
    """Words for a business duration: "2 h 15", "35 min", "under 1 min"."""
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return _("under 1 min")
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)02d") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def countdown_text(status: ClockStatus) -> str:
    """Words for a clock: "2 h 15 left", "breached 35 min ago", "paused", "met"."""
    level = status.level
    if status.counting:
        if status.remaining_seconds <= 0:
            return _("breached %(duration)s ago") % {
                "duration": format_business_duration(status.remaining_seconds)
            }
        return _("%(duration)s left") % {
            "duration": format_business_duration(status.remaining_seconds)
        }
    if level == "paused":
        return _("paused")
    if level == "breached":
        return _("breached")
    if level == "met":
        return _("met")
    return _("stopped")
