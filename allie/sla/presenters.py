"""How a ticket's SLA reads as of now: remaining business time and countdown words.

`TicketSla` is stored when the ticket changes (`computed_at`); between changes the running
clocks keep counting in business time. Reading "time left" therefore needs the ticket's
calendar: domain calendars are cached in-process for a short time, so a queue of many tickets
costs no query per row (and at most two when the cache is cold, whatever the row count).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from allie.sla.domain.calendar import (
    DEFAULT_HOLIDAYS,
    DEFAULT_TIMEZONE,
    Calendar,
    build_calendar,
    business_seconds_between,
)
from allie.sla.domain.clock import CLOCKS
from allie.sla.domain.errors import SlaError
from allie.sla.models import DEFAULT_HOURS, BusinessCalendar, CalendarException, Clock, TicketSla

#: How long a loaded calendar is trusted before it is read again (seconds).
CALENDAR_TTL = 60.0
#: Below this share of its target left, a running clock shows as a warning.
WARNING_SHARE = 0.25

_lock = threading.Lock()
_cache: dict[str, Any] = {"loaded_at": None, "calendars": {}, "default": None}


def _built_in_calendar() -> Calendar:
    return build_calendar(DEFAULT_HOURS, timezone=DEFAULT_TIMEZONE, holidays=DEFAULT_HOLIDAYS)


def clear_calendar_cache() -> None:
    """Forget the cached calendars (called whenever a calendar or an exception changes)."""
    with _lock:
        _cache["loaded_at"] = None
        _cache["calendars"] = {}
        _cache["default"] = None


def _load_calendars() -> None:
    """Read every calendar and its exceptions (two queries) into the cache."""
    calendars: dict[int, Calendar] = {}
    default: Calendar | None = None
    for row in BusinessCalendar.objects.prefetch_related("exceptions"):
        try:
            domain = row.to_domain(exceptions=list(row.exceptions.all()))
        except SlaError:
            continue  # an invalid row (saved outside the admin) falls back to the default
        calendars[row.pk] = domain
        if row.is_default:
            default = domain
    _cache["calendars"] = calendars
    _cache["default"] = default or _built_in_calendar()
    _cache["loaded_at"] = time.monotonic()


def domain_calendar(calendar_id: int | None) -> Calendar:
    """Return the domain calendar with this id, else the default one (cached for a minute)."""
    with _lock:
        loaded_at = _cache["loaded_at"]
        if loaded_at is None or time.monotonic() - loaded_at > CALENDAR_TTL:
            _load_calendars()
        calendars: dict[int, Calendar] = _cache["calendars"]
        if calendar_id is not None and calendar_id in calendars:
            return calendars[calendar_id]
        return _cache["default"]  # type: ignore[no-any-return]


def _forget(**_kwargs: Any) -> None:
    clear_calendar_cache()


for _model in (BusinessCalendar, CalendarException):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"sla-calendar-cache-save-{_model}")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"sla-calendar-cache-del-{_model}")


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
    calendar: Calendar | None = None
    statuses = []
    for name in CLOCKS:
        state = sla.state_of(name)
        due = sla.due_of(name)
        target = float(getattr(sla, f"{name}_target")) * 60
        elapsed = float(getattr(sla, f"{name}_elapsed"))
        counting = due is not None  # the clock runs on only while it has a due moment
        if counting and now > sla.computed_at:
            calendar = calendar or domain_calendar(sla.calendar_id)
            elapsed += business_seconds_between(calendar, sla.computed_at, now)
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
