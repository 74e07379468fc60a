"""The ticket lifecycle: statuses, allowed transitions, ownership and handoffs.

``apply`` is a pure function: it takes a state and a command and returns the next state or raises a
``DomainError``. Services load the state, call ``apply``, then save it with compare-and-set, so the
rules live here once for every interface (web, API, email, CLI).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, ClassVar

from allie.tickets.domain.errors import IllegalStateError, InvalidInputError, NotPermittedError


class Status(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_REQUESTER = "waiting_on_requester"
    WAITING_ON_THIRD_PARTY = "waiting_on_third_party"
    RESOLVED = "resolved"
    CLOSED = "closed"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """English label, used in messages; the UI translates from the value."""
        return _LABELS[self]


_LABELS = {
    Status.NEW: "New",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.IN_PROGRESS: "In progress",
    Status.WAITING_ON_REQUESTER: "Waiting on requester",
    Status.WAITING_ON_THIRD_PARTY: "Waiting on third party",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
    Status.DECLINED: "Declined",
    Status.CANCELLED: "Cancelled",
}

OPEN_STATUSES: frozenset[Status] = frozenset(
    {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.WAITING_ON_REQUESTER,
        Status.WAITING_ON_THIRD_PARTY,
    }
)
FINAL_STATUSES: frozenset[Status] = frozenset({Status.CLOSED, Status.DECLINED, Status.CANCELLED})
STOPPED: frozenset[Status] = FINAL_STATUSES | {Status.RESOLVED}
WAITING_STATUSES: frozenset[Status] = frozenset(
    {Status.WAITING_ON_REQUESTER, Status.WAITING_ON_THIRD_PARTY}
)
# From acknowledgement to closure someone is accountable; only new, declined and cancelled
# tickets may have nobody (declined/cancelled straight from new).
OWNED_STATUSES: frozenset[Status] = frozenset(
    {
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.WAITING_ON_REQUESTER,
        Status.WAITING_ON_THIRD_PARTY,
        Status.RESOLVED,
        Status.CLOSED,
    }
)
# A handoff moves accountability for live work, so it only exists on owned, open tickets.
HANDOFF_STATUSES: frozenset[Status] = OPEN_STATUSES - {Status.NEW}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.ACKNOWLEDGED, Status.DECLINED, Status.CANCELLED}),
    Status.ACKNOWLEDGED: frozenset(
        {
            Status.IN_PROGRESS,
            Status.WAITING_ON_REQUESTER,
            Status.WAITING_ON_THIRD_PARTY,
            Status.RESOLVED,
            Status.DECLINED,
            Status.CANCELLED,
        }
    ),
    Status.IN_PROGRESS: frozenset(
        {
            Status.WAITING_ON_REQUESTER,
            Status.WAITING_ON_THIRD_PARTY,
            Status.RESOLVED,
            Status.CANCELLED,
        }
    ),
    Status.WAITING_ON_REQUESTER: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_ON_THIRD_PARTY, Status.RESOLVED, Status.CANCELLED}
    ),
    Status.WAITING_ON_THIRD_PARTY: frozenset(
        {Status.IN_PROGRESS, Status.WAITING_ON_REQUESTER, Status.RESOLVED, Status.CANCELLED}
    ),
    # Back to in_progress only through Reopen, within the reopen window.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class PendingHandoff:
    proposer_id: int
    to_person_id: int | None = None
    to_team_id: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        if (self.to_person_id is None) == (self.to_team_id is None):
            raise ValueError("a handoff targets exactly one person or one team")


@dataclass(frozen=True)
class TicketState:
    status: Status
    owner_id: int | None
    pending_handoff: PendingHandoff | None = None
    resolved_at: datetime | None = None

    def __post_init__(self) -> None:
        # Invariants, checked on every state so a bug (or a corrupt row) fails loudly instead of
        # silently producing an ownerless ticket. ValueError: a programming error, not user input.
        if self.status in OWNED_STATUSES and self.owner_id is None:
            raise ValueError(f"a {self.status.value} ticket must have an owner")
        if self.status is Status.RESOLVED and self.resolved_at is None:
            raise ValueError("a resolved ticket must have resolved_at")
        if self.pending_handoff is not None:
            if self.status not in HANDOFF_STATUSES:
                raise ValueError(f"a {self.status.value} ticket cannot have a pending handoff")
            if self.pending_handoff.proposer_id != self.owner_id:
                raise ValueError("a pending handoff is proposed by the current owner")


@dataclass(frozen=True)
class Actor:
    """Who runs a command, as seen from this ticket."""

    id: int
    is_agent: bool = False
    is_requester: bool = False  # the ticket's requester, or someone who may act for them
    team_ids: frozenset[int] = frozenset()


# --- Commands -------------------------------------------------------------------------------
# kw_only so call sites read like sentences and adding a field never shifts positions.


@dataclass(frozen=True, kw_only=True)
class Command:
    name: ClassVar[str] = "command"
    actor_id: int


@dataclass(frozen=True, kw_only=True)
class Acknowledge(Command):
    name: ClassVar[str] = "acknowledge"


@dataclass(frozen=True, kw_only=True)
class Start(Command):
    name: ClassVar[str] = "start"


@dataclass(frozen=True, kw_only=True)
class WaitOnRequester(Command):
    name: ClassVar[str] = "wait_on_requester"


@dataclass(frozen=True, kw_only=True)
class WaitOnThirdParty(Command):
    name: ClassVar[str] = "wait_on_third_party"


@dataclass(frozen=True, kw_only=True)
class Resume(Command):
    name: ClassVar[str] = "resume"


@dataclass(frozen=True, kw_only=True)
class Resolve(Command):
    name: ClassVar[str] = "resolve"


@dataclass(frozen=True, kw_only=True)
class Close(Command):
    name: ClassVar[str] = "close"


@dataclass(frozen=True, kw_only=True)
class Reopen(Command):
    name: ClassVar[str] = "reopen"


@dataclass(frozen=True, kw_only=True)
class Decline(Command):
    name: ClassVar[str] = "decline"
    reason: str
    alternative: str


@dataclass(frozen=True, kw_only=True)
class Cancel(Command):
    name: ClassVar[str] = "cancel"


@dataclass(frozen=True, kw_only=True)
class RequesterReplied(Command):
    name: ClassVar[str] = "requester_replied"


@dataclass(frozen=True, kw_only=True)
class ProposeHandoff(Command):
    name: ClassVar[str] = "propose_handoff"
    to_person_id: int | None = None
    to_team_id: int | None = None
    reason: str


@dataclass(frozen=True, kw_only=True)
class AcceptHandoff(Command):
    name: ClassVar[str] = "accept_handoff"


@dataclass(frozen=True, kw_only=True)
class DeclineHandoff(Command):
    name: ClassVar[str] = "decline_handoff"
    reason: str


@dataclass(frozen=True, kw_only=True)
class WithdrawHandoff(Command):
    name: ClassVar[str] = "withdraw_handoff"


# --- Status commands: target, the statuses each command starts from, who may run it -----------
# The sources are a subset of TRANSITIONS (checked by a test): the table says which moves exist,
# the command says which of them it means (Start, Resume and Reopen all lead to in_progress).

_AGENT = "agent"
_REQUESTER = "requester"
_AGENT_OR_REQUESTER = "agent_or_requester"


@dataclass(frozen=True)
class _Rule:
    target: Status
    sources: frozenset[Status]
    who: str


_WORKING = frozenset(
    {
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.WAITING_ON_REQUESTER,
        Status.WAITING_ON_THIRD_PARTY,
    }
)

_RULES: dict[type[Command], _Rule] = {
    Acknowledge: _Rule(Status.ACKNOWLEDGED, frozenset({Status.NEW}), _AGENT),
    Start: _Rule(Status.IN_PROGRESS, frozenset({Status.ACKNOWLEDGED}), _AGENT),
    WaitOnRequester: _Rule(
        Status.WAITING_ON_REQUESTER, _WORKING - {Status.WAITING_ON_REQUESTER}, _AGENT
    ),
    WaitOnThirdParty: _Rule(
        Status.WAITING_ON_THIRD_PARTY, _WORKING - {Status.WAITING_ON_THIRD_PARTY}, _AGENT
    ),
    Resume: _Rule(Status.IN_PROGRESS, WAITING_STATUSES, _AGENT),
    Resolve: _Rule(Status.RESOLVED, _WORKING, _AGENT),
    Close: _Rule(Status.CLOSED, frozenset({Status.RESOLVED}), _AGENT),
    Reopen: _Rule(Status.IN_PROGRESS, frozenset({Status.RESOLVED}), _AGENT_OR_REQUESTER),
    Decline: _Rule(Status.DECLINED, frozenset({Status.NEW, Status.ACKNOWLEDGED}), _AGENT),
    Cancel: _Rule(Status.CANCELLED, OPEN_STATUSES, _REQUESTER),
    RequesterReplied: _Rule(
        Status.IN_PROGRESS, frozenset({Status.WAITING_ON_REQUESTER}), _REQUESTER
    ),
}


def apply(
    state: TicketState,
    command: Command,
    *,
    actor: Actor,
    now: datetime,
    reopen_window: timedelta,
) -> TicketState:
    """Return the state after ``command``, or raise a ``DomainError`` saying why it is refused.

    Checks run in a fixed order (who the actor is, then the state, then ownership, then the
    data) so the same situation always yields the same error code.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if command.actor_id != actor.id:
        raise ValueError("command.actor_id and actor.id differ")
    if isinstance(command, ProposeHandoff):
        return _propose_handoff(state, command, actor)
    if isinstance(command, AcceptHandoff | DeclineHandoff | WithdrawHandoff):
        return _answer_handoff(state, command, actor)
    rule = _RULES.get(type(command))
    if rule is None:
        raise TypeError(f"unknown command {type(command).__name__}")
    _check_role(rule.who, actor)
    if isinstance(command, RequesterReplied) and state.status is not Status.WAITING_ON_REQUESTER:
        # A reply only matters when we were waiting for it; elsewhere it changes nothing here
        # (the service layer decides what a reply to a stopped ticket does).
        return state
    _check_move(state.status, rule)
    effect = _STATUS_EFFECTS.get(type(command), _plain_effect)
    return effect(state, command, actor, now, reopen_window)


def _check_role(who: str, actor: Actor) -> None:
    if who == _AGENT and not actor.is_agent:
        raise NotPermittedError("agent_required", "Only an agent can do this.")
    if who == _REQUESTER and not actor.is_requester:
        raise NotPermittedError("requester_required", "Only the requester can do this.")
    if who == _AGENT_OR_REQUESTER and not (actor.is_agent or actor.is_requester):
        raise NotPermittedError(
            "agent_or_requester_required", "Only the requester or an agent can do this."
        )


def _check_move(current: Status, rule: _Rule) -> None:
    if rule.target not in TRANSITIONS[current]:
        raise IllegalStateError(
            "illegal_transition",
            f"A request that is {current.label} cannot become {rule.target.label}.",
            {"from": current.value, "to": rule.target.value},
        )
    if current not in rule.sources:
        # The move exists but through another command (e.g. Start on a waiting ticket: Resume).
        raise IllegalStateError(
            "command_not_applicable",
            f"This action is not available while the request is {current.label}.",
            {"status": current.value},
        )


def _moved(state: TicketState, target: Status, **changes: Any) -> TicketState:
    # Reaching a stopped status withdraws a pending handoff: there is no live work to hand over.
    if target in STOPPED:
        changes["pending_handoff"] = None
    return replace(state, status=target, **changes)


_Effect = Callable[[TicketState, Command, Actor, datetime, timedelta], TicketState]


def _plain_effect(
    state: TicketState, command: Command, actor: Actor, now: datetime, window: timedelta
) -> TicketState:
    return _moved(state, _RULES[type(command)].target)


def _acknowledge(
    state: TicketState, command: Command, actor: Actor, now: datetime, window: timedelta
) -> TicketState:
    # Whoever acknowledges owns the problem from the first minute.
    return _moved(state, Status.ACKNOWLEDGED, owner_id=actor.id)


def _resolve(
    state: TicketState, command: Command, actor: Actor, now: datetime, window: timedelta
) -> TicketState:
    return _moved(state, Status.RESOLVED, resolved_at=now)


def _reopen(
    state: TicketState, command: Command, actor: Actor, now: datetime, window: timedelta
) -> TicketState:
    assert state.resolved_at is not None  # guaranteed by TicketState for resolved tickets
    if now - state.resolved_at > window:
        raise IllegalStateError(
            "reopen_window_passed",
            "This request was resolved too long ago to be reopened; please open a new request.",
            {"resolved_at": state.resolved_at, "reopen_window": window},
        )
    return _moved(state, Status.IN_PROGRESS, resolved_at=None)


def _decline(
    state: TicketState, command: Command, actor: Actor, now: datetime, window: timedelta
) -> TicketState:
    assert isinstance(command, Decline)
    # Declining respectfully means saying why and where to go instead.
    if not command.reason.strip():
        raise InvalidInputError("decline_reason_required", "Please give the reason for declining.")
    if not command.alternative.strip():
        raise InvalidInputError(
            "decline_alternative_required",
            "Please tell the requester what they can do instead.",
        )
    return _moved(state, Status.DECLINED)


_STATUS_EFFECTS: dict[type[Command], _Effect] = {
    Acknowledge: _acknowledge,
    Resolve: _resolve,
    Reopen: _reopen,
    Decline: _decline,
}


# --- Handoffs -------------------------------------------------------------------------------
# The owner stays accountable until someone accepts: proposing changes nothing but the pending
# handoff, and only AcceptHandoff moves ownership.


def _propose_handoff(state: TicketState, command: ProposeHandoff, actor: Actor) -> TicketState:
    _check_role(_AGENT, actor)
    if state.status not in HANDOFF_STATUSES:
        raise IllegalStateError(
            "handoff_unavailable",
            f"A request that is {state.status.label} cannot be handed off.",
            {"status": state.status.value},
        )
    if actor.id != state.owner_id:
        raise NotPermittedError("not_owner", "Only the owner of the request can hand it off.")
    if state.pending_handoff is not None:
        raise IllegalStateError(
            "handoff_pending", "A handoff is already waiting for an answer on this request."
        )
    if (command.to_person_id is None) == (command.to_team_id is None):
        raise InvalidInputError(
            "handoff_target_required", "Choose one person or one team to hand the request to."
        )
    if command.to_person_id == state.owner_id:
        raise InvalidInputError("handoff_to_self", "You cannot hand a request off to yourself.")
    if not command.reason.strip():
        raise InvalidInputError(
            "handoff_reason_required", "Please give the reason for the handoff."
        )
    pending = PendingHandoff(
        proposer_id=actor.id,
        to_person_id=command.to_person_id,
        to_team_id=command.to_team_id,
        reason=command.reason,
    )
    return replace(state, pending_handoff=pending)


def _answer_handoff(
    state: TicketState, command: AcceptHandoff | DeclineHandoff | WithdrawHandoff, actor: Actor
) -> TicketState:
    _check_role(_AGENT, actor)
    pending = state.pending_handoff
    if pending is None:
        raise IllegalStateError(
            "no_pending_handoff", "There is no handoff waiting on this request."
        )
    if isinstance(command, WithdrawHandoff):
        if actor.id != pending.proposer_id:
            raise NotPermittedError(
                "not_handoff_proposer", "Only the person who proposed the handoff can withdraw it."
            )
        return replace(state, pending_handoff=None)
    if not is_handoff_target(pending, actor):
        raise NotPermittedError("not_handoff_target", "This handoff is not addressed to you.")
    if isinstance(command, AcceptHandoff):
        return replace(state, owner_id=actor.id, pending_handoff=None)
    if not command.reason.strip():
        raise InvalidInputError(
            "handoff_decline_reason_required", "Please give the reason for declining the handoff."
        )
    return replace(state, pending_handoff=None)


def is_handoff_target(pending: PendingHandoff, actor: Actor) -> bool:
    """Whether ``actor`` may accept or decline ``pending``.

    The proposer never answers their own handoff, even when it targets their own team: that
    would be a withdrawal in disguise.
    """
    if not actor.is_agent or actor.id == pending.proposer_id:
        return False
    if pending.to_person_id is not None:
        return actor.id == pending.to_person_id
    return pending.to_team_id in actor.team_ids


# --- What the UI may offer ------------------------------------------------------------------
# Commands that need data are probed with placeholder data that passes data validation, so the
# answer depends only on the state and the actor; the form then validates the real data.
# RequesterReplied is an event, not a button, so it is not offered.

_PROBE_TEAM_ID = -1  # never the owner, so a team-target probe can't trip handoff_to_self

_PROBES: dict[type[Command], Callable[[int], Command]] = {
    Acknowledge: lambda a: Acknowledge(actor_id=a),
    Start: lambda a: Start(actor_id=a),
    WaitOnRequester: lambda a: WaitOnRequester(actor_id=a),
    WaitOnThirdParty: lambda a: WaitOnThirdParty(actor_id=a),
    Resume: lambda a: Resume(actor_id=a),
    Resolve: lambda a: Resolve(actor_id=a),
    Close: lambda a: Close(actor_id=a),
    Reopen: lambda a: Reopen(actor_id=a),
    Decline: lambda a: Decline(actor_id=a, reason="probe", alternative="probe"),
    Cancel: lambda a: Cancel(actor_id=a),
    ProposeHandoff: lambda a: ProposeHandoff(actor_id=a, to_team_id=_PROBE_TEAM_ID, reason="probe"),
    AcceptHandoff: lambda a: AcceptHandoff(actor_id=a),
    DeclineHandoff: lambda a: DeclineHandoff(actor_id=a, reason="probe"),
    WithdrawHandoff: lambda a: WithdrawHandoff(actor_id=a),
}


def allowed_commands(
    state: TicketState, *, actor: Actor, now: datetime, reopen_window: timedelta
) -> list[type[Command]]:
    """Command classes ``actor`` can run on ``state`` now, in a stable order, for UI buttons."""
    allowed: list[type[Command]] = []
    for command_class, probe in _PROBES.items():
        try:
            apply(state, probe(actor.id), actor=actor, now=now, reopen_window=reopen_window)
        except (IllegalStateError, NotPermittedError, InvalidInputError):
            continue
        allowed.append(command_class)
    return allowed
