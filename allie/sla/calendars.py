"""Business calendars, read once and kept in-process for a short time.

A queue of many tickets, a sweep or a burst of intake would otherwise read the same calendar and
its exceptions for every ticket. Every calendar is loaded at once (two queries) and kept like
the rest of the reference data (`allie.core.reference_cache`: trusted for a minute; saving or
deleting a calendar or an exception clears this process's copy at once, other processes see
the change within the minute).
"""

from __future__ import annotations

from dataclasses import dataclass

from allie.core.reference_cache import cached_reference, forget_reference, watch
from allie.sla.domain.calendar import DEFAULT_HOLIDAYS, DEFAULT_TIMEZONE, Calendar, build_calendar
from allie.sla.domain.errors import SlaError
from allie.sla.models import DEFAULT_HOURS, BusinessCalendar, CalendarException

_KEY = "sla_calendars"


@dataclass(frozen=True)
class _Calendars:
    by_id: dict[int, Calendar]
    default: Calendar
    default_id: int | None  # None: the built-in calendar (no default calendar saved)


def _built_in_calendar() -> Calendar:
    return build_calendar(DEFAULT_HOURS, timezone=DEFAULT_TIMEZONE, holidays=DEFAULT_HOLIDAYS)


def clear_calendar_cache() -> None:
    """Forget the cached calendars (tests that count the two queries of a cold read)."""
    forget_reference(_KEY)


def _load_calendars() -> _Calendars:
    """Read every calendar and its exceptions (two queries)."""
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
    return _Calendars(calendars, default or _built_in_calendar(), default_id)


def resolve_calendar(calendar_id: int | None) -> tuple[int | None, Calendar]:
    """Return the calendar with this id, else the default one, with the id of the one given.

    The id is None for the built-in calendar (no default calendar saved).
    """
    loaded = cached_reference(_KEY, _load_calendars)
    if calendar_id is not None and calendar_id in loaded.by_id:
        return calendar_id, loaded.by_id[calendar_id]
    return loaded.default_id, loaded.default


def domain_calendar(calendar_id: int | None) -> Calendar:
    """Return the domain calendar with this id, else the default one (cached for a minute)."""
    return resolve_calendar(calendar_id)[1]


watch(BusinessCalendar)
watch(CalendarException)
