"""Priority from impact and urgency (ITIL style), with per-organisation overrides.

An override may be partial: the cells it sets win, the others come from ``DEFAULT_MATRIX``.
Enums are ``str`` subclasses, so ``("high", "low")`` and ``(Impact.HIGH, Urgency.LOW)`` are the same
key: overrides loaded from JSON or the database work without conversion.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from allie.tickets.domain.errors import InvalidInputError, InvalidPriorityMatrixError


class Impact(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Urgency(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Priority(enum.StrEnum):
    P1 = "p1"
    P2 = "p2"
    P3 = "p3"
    P4 = "p4"

    @property
    def label(self) -> str:
        """English label; the UI translates from the value."""
        return _PRIORITY_LABELS[self]


_PRIORITY_LABELS = {
    Priority.P1: "Critical",
    Priority.P2: "High",
    Priority.P3: "Moderate",
    Priority.P4: "Low",
}

Matrix = Mapping[tuple[Impact, Urgency], Priority]

# Read-only so no caller can change every organisation's priorities by accident.
DEFAULT_MATRIX: Matrix = MappingProxyType(
    {
        (Impact.HIGH, Urgency.HIGH): Priority.P1,
        (Impact.HIGH, Urgency.MEDIUM): Priority.P2,
        (Impact.MEDIUM, Urgency.HIGH): Priority.P2,
        (Impact.HIGH, Urgency.LOW): Priority.P3,
        (Impact.MEDIUM, Urgency.MEDIUM): Priority.P3,
        (Impact.LOW, Urgency.HIGH): Priority.P3,
        (Impact.MEDIUM, Urgency.LOW): Priority.P4,
        (Impact.LOW, Urgency.MEDIUM): Priority.P4,
        (Impact.LOW, Urgency.LOW): Priority.P4,
    }
)


def priority_for(
    impact: Impact | str,
    urgency: Urgency | str,
    matrix: Mapping[Any, Any] | None = None,
) -> Priority:
    """The priority of a ticket; ``matrix`` cells, when given, override the default."""
    cell = (_coerce(Impact, impact, "unknown_impact"), _coerce(Urgency, urgency, "unknown_urgency"))
    if matrix is not None and cell in matrix:
        return _cell_priority(cell, matrix[cell])
    return DEFAULT_MATRIX[cell]


def validate_matrix(matrix: Mapping[Any, Any], *, partial: bool = False) -> None:
    """Raise ``InvalidPriorityMatrixError`` unless ``matrix`` is well formed.

    With ``partial=False`` every impact and urgency cell must be set; with ``partial=True`` (an
    override) missing cells are allowed, since they fall back to the default.
    """
    for key, value in matrix.items():
        cell = _matrix_key(key)
        _cell_priority(cell, value)
    if partial:
        return
    for impact in Impact:
        for urgency in Urgency:
            if (impact, urgency) not in matrix:
                raise InvalidPriorityMatrixError(
                    "priority_matrix_missing_cell",
                    f"The priority matrix has no priority for {impact.value} impact "
                    f"and {urgency.value} urgency.",
                    {"impact": impact.value, "urgency": urgency.value},
                )


def _coerce(enum_class: type[enum.Enum], value: object, code: str) -> Any:
    try:
        return enum_class(value)
    except ValueError:
        raise InvalidInputError(
            code, f"{value!r} is not a known {enum_class.__name__.lower()}.", {"value": value}
        ) from None


def _matrix_key(key: object) -> tuple[Impact, Urgency]:
    try:
        impact, urgency = key  # type: ignore[misc]
        return Impact(impact), Urgency(urgency)
    except (TypeError, ValueError):
        raise InvalidPriorityMatrixError(
            "priority_matrix_unknown_cell",
            f"The priority matrix has an unknown cell {key!r}.",
            {"cell": repr(key)},
        ) from None


def _cell_priority(cell: tuple[Impact, Urgency], value: object) -> Priority:
    try:
        return Priority(value)
    except ValueError:
        raise InvalidPriorityMatrixError(
            "priority_matrix_unknown_priority",
            f"The priority matrix gives {value!r} for {cell[0].value} impact and "
            f"{cell[1].value} urgency, which is not a known priority.",
            {"impact": cell[0].value, "urgency": cell[1].value, "value": repr(value)},
        ) from None
