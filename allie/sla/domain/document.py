"""The JSON documents of ``allie sla simulate``: reading the input, writing the output.

``parse_simulation`` takes the decoded JSON (dicts, lists, strings, numbers) and returns a
``Simulation`` or raises ``DocumentError`` naming the field with a path such as
``events[2].at`` or ``calendar.hours.mon[0]``. ``render_clocks`` gives the output document.
``docs/sla-simulate.md`` describes both, field by field.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from allie.sla.domain.calendar import (
    DEFAULT_HOLIDAYS,
    DEFAULT_TIMEZONE,
    Calendar,
    build_calendar,
)
from allie.sla.domain.clock import (
    CLOCKS,
    DEFAULT_PAUSED_STATUSES,
    ClockReading,
    Event,
    NextUpdateReading,
    Policy,
    PublicReply,
    SlaClocks,
    StatusChange,
)
from allie.sla.domain.errors import DocumentError, SlaError

#: Datetimes outside these years are refused (the holiday tables and the search need bounds).
MIN_YEAR, MAX_YEAR = 1970, 2100

_TOP_FIELDS = ("calendar", "policy", "events", "now")
_CALENDAR_FIELDS = ("timezone", "hours", "holidays", "closures", "openings")
_POLICY_FIELDS = (*CLOCKS, "paused_statuses")


@dataclass(frozen=True)
class Simulation:
    calendar: Calendar
    policy: Policy
    events: tuple[Event, ...]
    now: datetime


def parse_simulation(data: object, known_statuses: Collection[str] | None = None) -> Simulation:
    """Read an input document; ``known_statuses``, when given, limits the status names."""
    document = _object(data, None, required=_TOP_FIELDS, allowed=_TOP_FIELDS)
    now = parse_datetime(document["now"], "now")
    calendar = _calendar(document["calendar"])
    policy = _policy(document["policy"], known_statuses)
    events = _events(document["events"], known_statuses, now)
    return Simulation(calendar=calendar, policy=policy, events=events, now=now)


def render_clocks(clocks: SlaClocks, calendar: Calendar) -> dict[str, Any]:
    """The output document: one object per clock, datetimes in the calendar's zone."""
    return {name: _render(getattr(clocks, name), calendar) for name in CLOCKS}


def _render(reading: ClockReading, calendar: Calendar) -> dict[str, Any]:
    result: dict[str, Any] = {
        "state": str(reading.state),
        "elapsed_seconds": _number(reading.elapsed_seconds),
        "remaining_seconds": _number(reading.remaining_seconds),
        "due": None if reading.due is None else reading.due.astimezone(calendar.zone).isoformat(),
    }
    if isinstance(reading, NextUpdateReading):
        result["breaches"] = reading.breaches
    return result


def _number(seconds: float) -> int | float:
    return int(seconds) if float(seconds).is_integer() else round(seconds, 6)


def parse_datetime(value: object, field: str) -> datetime:
    """An ISO 8601 datetime with a UTC offset (``Z`` allowed), within the accepted years."""
    moment = None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise DocumentError("invalid_datetime", "not an ISO datetime with an offset", field=field)
    if not MIN_YEAR <= moment.astimezone(UTC).year <= MAX_YEAR:
        raise DocumentError(
            "datetime_out_of_range", f"must be between {MIN_YEAR} and {MAX_YEAR}", field=field
        )
    return moment


def _object(
    data: object, field: str | None, *, required: Collection[str], allowed: Collection[str]
) -> Mapping[str, Any]:
    where = field or "document"
    if not isinstance(data, Mapping):
        raise DocumentError("invalid_object", "must be a JSON object", field=where)
    for key in data:
        if key not in allowed:
            raise DocumentError(
                "unknown_field",
                f"unknown field (expected {', '.join(allowed)})",
                field=_join(field, key),
            )
    for key in required:
        if key not in data:
            raise DocumentError("missing_field", "is required", field=_join(field, key))
    return data


def _join(prefix: str | None, key: object) -> str:
    return str(key) if prefix is None else f"{prefix}.{key}"


def _calendar(data: object) -> Calendar:
    spec = _object(data, "calendar", required=("hours",), allowed=_CALENDAR_FIELDS)
    timezone = spec.get("timezone", DEFAULT_TIMEZONE)
    if not isinstance(timezone, str):
        raise DocumentError(
            "invalid_timezone", "must be a time zone name", field="calendar.timezone"
        )
    holidays = spec.get("holidays", DEFAULT_HOLIDAYS)
    if holidays is not None and not isinstance(holidays, str):
        raise DocumentError(
            "invalid_region",
            'must be a region code such as "CA-QC", or null',
            field="calendar.holidays",
        )
    intervals = {
        name: _interval_list(spec.get(name, []), f"calendar.{name}")
        for name in ("closures", "openings")
    }
    try:
        return build_calendar(
            spec["hours"],
            timezone=timezone,
            holidays=holidays,
            closures=intervals["closures"],
            openings=intervals["openings"],
        )
    except SlaError as error:
        raise _as_document_error(error.prefixed("calendar")) from None


def _interval_list(data: object, field: str) -> list[tuple[datetime, datetime]]:
    if not isinstance(data, list):
        raise DocumentError("invalid_list", "must be a list of [start, end] pairs", field=field)
    pairs = []
    for index, pair in enumerate(data):
        where = f"{field}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise DocumentError("invalid_interval", "must be a pair [start, end]", field=where)
        start = parse_datetime(pair[0], f"{where}[0]")
        end = parse_datetime(pair[1], f"{where}[1]")
        pairs.append((start, end))
    return pairs


def _policy(data: object, known_statuses: Collection[str] | None) -> Policy:
    spec = _object(data, "policy", required=CLOCKS, allowed=_POLICY_FIELDS)
    paused = spec.get("paused_statuses", sorted(DEFAULT_PAUSED_STATUSES))
    if not isinstance(paused, list):
        raise DocumentError(
            "invalid_paused_statuses", "must be a list of statuses", field="policy.paused_statuses"
        )
    for index, status in enumerate(paused):
        _status(status, f"policy.paused_statuses[{index}]", known_statuses)
    try:
        return Policy(
            first_response=spec["first_response"],
            next_update=spec["next_update"],
            resolution=spec["resolution"],
            paused_statuses=frozenset(paused),
        )
    except SlaError as error:
        raise _as_document_error(error.prefixed("policy")) from None


def _status(value: object, field: str, known_statuses: Collection[str] | None) -> str:
    if not isinstance(value, str) or not value:
        raise DocumentError("invalid_status", "must be a status name", field=field)
    if known_statuses is not None and value not in known_statuses:
        raise DocumentError(
            "unknown_status",
            f'unknown status "{value}" (expected one of {", ".join(sorted(known_statuses))})',
            field=field,
        )
    return value


def _events(
    data: object, known_statuses: Collection[str] | None, now: datetime
) -> tuple[Event, ...]:
    if not isinstance(data, list) or not data:
        raise DocumentError("invalid_events", "must be a non-empty list of events", field="events")
    events: list[Event] = []
    for index, item in enumerate(data):
        where = f"events[{index}]"
        spec = _object(item, where, required=("at",), allowed=("at", "status", "public_reply"))
        at = parse_datetime(spec["at"], f"{where}.at")
        if events and at < events[-1].at:
            raise DocumentError(
                "events_out_of_order",
                f"is earlier than events[{index - 1}].at",
                field=f"{where}.at",
            )
        if at > now:
            raise DocumentError("event_after_now", "is later than now", field=f"{where}.at")
        if ("status" in spec) == ("public_reply" in spec):
            raise DocumentError(
                "invalid_event", 'must have either "status" or "public_reply": true', field=where
            )
        if "status" in spec:
            events.append(
                StatusChange(
                    at=at, status=_status(spec["status"], f"{where}.status", known_statuses)
                )
            )
        else:
            if spec["public_reply"] is not True:
                raise DocumentError("invalid_reply", "must be true", field=f"{where}.public_reply")
            if index == 0:
                raise DocumentError(
                    "not_opened_by_status",
                    "the first event must be a status: it opens the ticket",
                    field=where,
                )
            events.append(PublicReply(at=at))
    return tuple(events)


def _as_document_error(error: SlaError) -> DocumentError:
    result = DocumentError(error.code, error.message, field=error.field, params=error.params)
    result.__cause__ = error
    return result
