"""The commitments ledger: a promise to a client, kept, renegotiated or broken.

A commitment is open until it is marked kept, renegotiated (only before it is due: the client
is told and a new commitment takes its place; it counts as kept with notice) or broken (by hand,
or automatically as soon as it is past due while still open). Reminders go to whoever made the
promise before it falls due. Time is always passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class State(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    RENEGOTIATED = "renegotiated"
    BROKEN = "broken"


FINAL = frozenset({State.KEPT, State.RENEGOTIATED, State.BROKEN})
HONOURED = frozenset({State.KEPT, State.RENEGOTIATED})  # renegotiated in time: kept with notice

# Reminders before the due time: a day ahead (for promises made more than a day ahead) and an
# hour ahead; a promise made less than an hour ahead gets none (its author has it in mind).
REMINDER_LEADS: tuple[timedelta, ...] = (timedelta(days=1), timedelta(hours=1))


class CommitmentError(ValueError):
    """A refused change; `code` names the rule, `field` the offending field."""

    def __init__(self, code: str, *, field: str = "") -> None:
        self.code = code
        self.field = field
        super().__init__(f"{field}: {code}" if field else code)


def check_new(*, what: str, due_at: datetime | None, now: datetime) -> None:
    """A commitment says what is promised and is due in the future."""
    if not what.strip():
        raise CommitmentError("what_required", field="what")
    if due_at is None:
        raise CommitmentError("due_required", field="due_at")
    if due_at.tzinfo is None:
        raise CommitmentError("due_naive", field="due_at")
    if due_at <= now:
        raise CommitmentError("due_in_past", field="due_at")


def effective_state(state: State, *, due_at: datetime, now: datetime) -> State:
    """The state as of `now`: an open commitment past its due time is broken."""
    if state is State.OPEN and now > due_at:
        return State.BROKEN
    return state


def mark(state: State, target: State, *, due_at: datetime, now: datetime) -> State:
    """Return the new state of an open commitment marked `target` at `now`."""
    current = effective_state(state, due_at=due_at, now=now)
    if current in FINAL:
        raise CommitmentError("already_final")
    if target is State.RENEGOTIATED and now >= due_at:
        raise CommitmentError("renegotiate_too_late")
    if target not in FINAL:
        raise CommitmentError("unknown_state")
    return target


def reminder_times(*, created_at: datetime, due_at: datetime) -> list[datetime]:
    """When to remind the promiser: each lead time before due, if after the promise was made."""
    return [due_at - lead for lead in REMINDER_LEADS if due_at - lead > created_at]


@dataclass(frozen=True)
class Tally:
    """Commitments counted over a period: due within it and settled (kept, renegotiated, broken)."""

    kept: int = 0
    renegotiated: int = 0
    broken: int = 0

    @property
    def settled(self) -> int:
        return self.kept + self.renegotiated + self.broken

    @property
    def kept_rate(self) -> float | None:
        """Share honoured (kept, or renegotiated in time); None when nothing was settled."""
        if not self.settled:
            return None
        return (self.kept + self.renegotiated) / self.settled


def tally(states: Iterable[State]) -> Tally:
    counts = {State.KEPT: 0, State.RENEGOTIATED: 0, State.BROKEN: 0}
    for state in states:
        if state in counts:
            counts[state] += 1
    return Tally(
        kept=counts[State.KEPT],
        renegotiated=counts[State.RENEGOTIATED],
        broken=counts[State.BROKEN],
    )
