"""Errors raised by the ticket domain.

Every error carries a stable ``code`` (the key the Django layer translates), ``params`` (the values
the translated sentence needs) and an English ``message`` used in logs, tests and as a fallback.
The subclasses say *why* a command failed, so interfaces can map them to a response without
looking at codes: the state forbids it (409), the actor may not (403), the input is wrong (400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base of every domain error."""

    def __init__(self, code: str, message: str, params: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.params: dict[str, Any] = dict(params or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, params={self.params!r})"


class IllegalStateError(DomainError):
    """The ticket's current state does not allow the command."""


class NotPermittedError(DomainError):
    """The actor may not run the command on this ticket."""


class InvalidInputError(DomainError):
    """The data given with the command is missing or wrong."""


class InvalidPriorityMatrixError(DomainError):
    """A priority matrix (usually an organisation's override) is incomplete or malformed."""
