"""Errors raised by the SLA domain.

Every error carries a stable ``code`` (the key the Django layer translates), the ``field`` it is
about (a path such as ``hours.mon[0]``, or ``None``), ``params`` (the values a translated sentence
needs) and an English ``message``. ``str(error)`` is ``"<field>: <message>"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class SlaError(Exception):
    """Base of every SLA domain error."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        field: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.params: dict[str, Any] = dict(params or {})

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, field={self.field!r})"

    def prefixed(self, prefix: str) -> SlaError:
        """The same error with ``prefix`` in front of its field (``hours`` → ``calendar.hours``)."""
        if self.field is None:
            field = prefix
        elif self.field.startswith("["):
            field = f"{prefix}{self.field}"
        else:
            field = f"{prefix}.{self.field}"
        error = type(self)(self.code, self.message, field=field, params=self.params)
        error.__cause__ = self
        return error


class CalendarError(SlaError):
    """A calendar is malformed (hours, time zone, holiday region, closures or openings)."""


class NoBusinessTimeError(SlaError):
    """The search for business time ran past the horizon without finding enough of it."""


class PolicyError(SlaError):
    """An SLA policy is malformed (targets, paused statuses)."""


class ClockError(SlaError):
    """The events given to the clock are inconsistent (none, not opened by a status, naive)."""


class DocumentError(SlaError):
    """A JSON document for ``allie sla simulate`` is malformed."""
