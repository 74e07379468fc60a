"""The bridge between ticket rows and the domain: read the state, apply, compare-and-set."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from allie.core.inserts import insert
from allie.tickets.domain import lifecycle
from allie.tickets.domain.errors import DomainError
from allie.tickets.models import Handoff, Ticket, TimelineEvent
from allie.tickets.selectors import may_act_for_requester, may_work_on
from allie.tickets.services.errors import ConcurrentChangeError, from_domain


def actor_for(user: Any, ticket: Ticket) -> lifecycle.Actor:
    """Return the domain's view of `user` acting on `ticket`."""
    return lifecycle.Actor(
        id=user.pk,
        is_agent=may_work_on(user, ticket),
        is_requester=may_act_for_requester(user, ticket),
        team_ids=frozenset(user.team_ids) if user.is_agent else frozenset(),
    )


def state_of(ticket: Ticket, pending: Handoff | None = None) -> lifecycle.TicketState:
    """Return the domain state of a ticket row (with its pending handoff, if given)."""
    pending_state = None
    if pending is not None:
        pending_state = lifecycle.PendingHandoff(
            proposer_id=pending.proposed_by_id,
            to_person_id=pending.to_person_id,
            to_team_id=pending.to_team_id,
            reason=pending.reason,
        )
    return lifecycle.TicketState(
        status=lifecycle.Status(ticket.status),
        owner_id=ticket.owner_id,
        pending_handoff=pending_state,
        resolved_at=ticket.resolved_at,
    )


def run(
    state: lifecycle.TicketState,
    command: lifecycle.Command,
    *,
    actor: lifecycle.Actor,
    now: datetime,
    reopen_window: timedelta,
) -> lifecycle.TicketState:
    """Apply a command, turning a domain refusal into a translated service error."""
    try:
        return lifecycle.apply(state, command, actor=actor, now=now, reopen_window=reopen_window)
    except DomainError as error:
        raise from_domain(error) from error


def compare_and_set(ticket: Ticket, **changes: Any) -> None:
    """Write `changes` only if the ticket's status and owner are still what we read.

    Correct on SQLite and PostgreSQL alike: the UPDATE's WHERE is the lock.
    """
    updated = Ticket.objects.filter(
        pk=ticket.pk, status=ticket.status, owner_id=ticket.owner_id
    ).update(**changes)
    if updated != 1:
        raise ConcurrentChangeError
    expressions = [name for name, value in changes.items() if hasattr(value, "resolve_expression")]
    for name, value in changes.items():
        if name not in expressions:
            setattr(ticket, name, value)
    if expressions:
        ticket.refresh_from_db(fields=expressions)


def record(
    ticket: Ticket,
    kind: str,
    *,
    actor: Any,
    now: datetime,
    public: bool = False,
    body: str = "",
    **data: Any,
) -> TimelineEvent:
    """Append one event to the ticket's timeline."""
    event = TimelineEvent(
        ticket=ticket,
        kind=kind,
        actor=actor,
        is_public=public,
        body=body,
        data=data,
        created_at=now,
    )
    return insert(event)
