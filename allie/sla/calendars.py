"""Business calendars, read once and kept in-process for a short time.

A queue of many tickets, a sweep or a burst of intake would otherwise read the same calendar and
its exceptions for every ticket. Every calendar is loaded at once (two queries) and trusted for
`CALENDAR_TTL` seconds; saving or deleting a calendar or an exception clears this process's copy
at once, and other processes (the worker) see the change within the TTL.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models.signals import post_delete, post_save

from allie.sla.domain.calendar import DEFAULT_HOLIDAYS, DEFAULT_TIMEZONE, Calendar, build_calendar
from allie.sla.domain.errors import SlaError
from allie.sla.models import DEFAULT_HOURS, BusinessCalendar, CalendarException

#: How long a loaded calendar is trusted before it is read again (seconds).
CALENDAR_TTL = 60.0

_lock = threading.Lock()
_cache: dict[str, Any] = {"loaded_at": None, "calendars": {}, "default": None, "default_id": None}


def _built_in_calendar() -> Calendar:
    return build_calendar(DEFAULT_HOURS, timezone=DEFAULT_TIMEZONE, holidays=DEFAULT_HOLIDAYS)


def clear_calendar_cache() -> None:
    """Forget the cached calendars (called whenever a calendar or an exception changes)."""
    with _lock:
        _cache.update(loaded_at=None, calendars={}, default=None, default_id=None)


def _load_calendars() -> None:
    """Read every calendar and its exceptions (two queries) into the cache."""
    calendars: dict[int, Calendar] = {}
    default: Calendar | None = None
    default_id: int | None = None
    for row in BusinessCalendar.objects.prefetch_related("exceptions"):
        try:
            domain = row.to_domain(exceptions=list(row.exceptions.all()))
        except SlaError:
            continue  # an invalid row (saved outside the admin) falls back to the default
        calendars[row.pk] = domain
        if row.is_default:
            default, default_id = domain, row.pk
    _cache.update(
        calendars=calendars,
        default=default or _built_in_calendar(),
        default_id=default_id,
        loaded_at=time.monotonic(),
    )


def resolve_calendar(calendar_id: int | None) -> tuple[int | None, Calendar]:
    """Return the calendar with this id, else the default one, with the id of the one given.

    The id is None for the built-in calendar (no default calendar saved).
    """
    with _lock:
        loaded_at = _cache["loaded_at"]
        if loaded_at is None or time.monotonic() - loaded_at > CALENDAR_TTL:
            _load_calendars()
        calendars: dict[int, Calendar] = _cache["calendars"]
        if calendar_id is not None and calendar_id in calendars:
            return calendar_id, calendars[calendar_id]
        return _cache["default_id"], _cache["default"]


def domain_calendar(calendar_id: int | None) -> Calendar:
    """Return the domain calendar with this id, else the default one (cached for a minute)."""
    return resolve_calendar(calendar_id)[1]


def _forget(**_kwargs: Any) -> None:
    clear_calendar_cache()


for _model in (BusinessCalendar, CalendarException):
    post_save.connect(_forget, sender=_model, dispatch_uid=f"sla-calendar-cache-save-{_model}")
    post_delete.connect(_forget, sender=_model, dispatch_uid=f"sla-calendar-cache-del-{_model}")
