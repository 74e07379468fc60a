"""Status changes: acknowledge, move through the lifecycle, resolve, reopen, decline, cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allie.sla.services import refresh_ticket_sla
from allie.tickets.domain import lifecycle
from allie.tickets.models import DeskSettings, Handoff, Status, Ticket, TimelineEvent
from allie.tickets.selectors import pending_handoff
from allie.tickets.services.errors import ServiceError
from allie.tickets.services.state import actor_for, compare_and_set, record, run, state_of

# The commands an interface may ask for by name (web buttons, the API's `transition`).
TRANSITION_COMMANDS: dict[str, type[lifecycle.Command]] = {
    "acknowledge": lifecycle.Acknowledge,
    "start": lifecycle.Start,
    "wait_on_requester": lifecycle.WaitOnRequester,
    "wait_on_third_party": lifecycle.WaitOnThirdParty,
    "resume": lifecycle.Resume,
    "resolve": lifecycle.Resolve,
    "close": lifecycle.Close,
    "reopen": lifecycle.Reopen,
    "decline": lifecycle.Decline,
    "cancel": lifecycle.Cancel,
}


def acknowledge(ticket: Ticket, *, by: Any, now: datetime | None = None) -> Ticket:
    """Take charge of a new ticket: `by` becomes its owner."""
    return transition(ticket, by=by, command="acknowledge", now=now)


def transition(
    ticket: Ticket,
    *,
    by: Any,
    command: str,
    reason: str = "",
    alternative: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Run the named lifecycle command on the ticket and record it in the timeline."""
    command_class = TRANSITION_COMMANDS.get(command)
    if command_class is None:
        raise ServiceError("invalid_status", field="command")
    now = now or timezone.now()
    window = DeskSettings.current().reopen_window
    with transaction.atomic():
        pending = pending_handoff(ticket)
        before = state_of(ticket, pending)
        kwargs: dict[str, Any] = {"actor_id": by.pk}
        if command_class is lifecycle.Decline:
            kwargs.update(reason=reason, alternative=alternative)
        actor = actor_for(by, ticket)
        after = run(before, command_class(**kwargs), actor=actor, now=now, reopen_window=window)
        _save(
            ticket,
            before,
            after,
            by=by,
            now=now,
            command=command,
            reason=reason,
            alternative=alternative,
            pending=pending,
        )
        from allie.escalations.services import on_ticket_event

        on_ticket_event(ticket, kind=command, now=now)
    return ticket


def _save(
    ticket: Ticket,
    before: lifecycle.TicketState,
    after: lifecycle.TicketState,
    *,
    by: Any,
    now: datetime,
    command: str,
    reason: str,
    alternative: str,
    pending: Handoff | None,
) -> None:
    changes: dict[str, Any] = {"status": after.status.value, "updated_at": now}
    if after.owner_id != before.owner_id:
        changes["owner_id"] = after.owner_id
    if command == "acknowledge":
        changes["acknowledged_at"] = now
        if ticket.team_id is None:
            changes["team_id"] = _team_for(by, ticket)
    if after.status is lifecycle.Status.RESOLVED:
        changes["resolved_at"] = now
    if command == "reopen":
        changes["resolved_at"] = None
        changes["reopen_count"] = F("reopen_count") + 1
    if after.status is lifecycle.Status.CLOSED:
        changes["closed_at"] = now
    if command == "decline":
        changes["decline_reason"] = reason.strip()
        changes["decline_alternative"] = alternative.strip()
    if (
        after.status in lifecycle.STOPPED
        and ticket.first_response_at is None
        and command != "cancel"
    ):
        # Declining or resolving answers the client: the first response is given.
        changes["first_response_at"] = now
    old_status = ticket.status
    compare_and_set(ticket, **changes)
    if pending is not None and after.pending_handoff is None:
        Handoff.objects.filter(pk=pending.pk, state=Handoff.State.PENDING).update(
            state=Handoff.State.WITHDRAWN, responded_at=now, responded_by=by
        )
    body = ""
    if command == "decline":
        body = f"{reason.strip()}\n\n{alternative.strip()}"
    elif reason:
        body = reason.strip()
    record(
        ticket,
        TimelineEvent.Kind.STATUS_CHANGE,
        actor=by,
        now=now,
        public=True,
        body=body,
        command=command,
        **{"from": old_status, "to": after.status.value},
    )
    if after.owner_id != before.owner_id:
        record(
            ticket,
            TimelineEvent.Kind.OWNER_CHANGE,
            actor=by,
            now=now,
            public=True,
            **{"from": before.owner_id, "to": after.owner_id},
        )
    refresh_ticket_sla(ticket, now=now, by=by)


def _team_for(agent: Any, ticket: Ticket) -> int | None:
    """Return the agent's team that serves the ticket's organisation (or any of theirs)."""
    teams = list(
        agent.teams.filter(serves=ticket.organisation_id).values_list("id", flat=True)[:1]
    ) or list(agent.teams.values_list("id", flat=True)[:1])
    return teams[0] if teams else None


class _Unread:
    """The caller did not read the pending handoff: `available_actions` reads it."""


UNREAD = _Unread()


def available_actions(
    ticket: Ticket,
    user: Any,
    *,
    now: datetime | None = None,
    pending: Handoff | _Unread | None = UNREAD,
) -> list[str]:
    """Return the names of the commands `user` may run on the ticket now (for buttons).

    `pending`: the ticket's pending handoff when the caller already knows it (None for a ticket
    opened in this request), saving its read.
    """
    now = now or timezone.now()
    if isinstance(pending, _Unread):
        pending = pending_handoff(ticket)
    state = state_of(ticket, pending)
    names = lifecycle.allowed_commands(
        state,
        actor=actor_for(user, ticket),
        now=now,
        reopen_window=DeskSettings.current().reopen_window,
    )
    return [name if isinstance(name, str) else name.name for name in names]


def close_resolved_after_window(*, now: datetime | None = None, batch: int = 500) -> int:
    """Close resolved tickets whose reopen window has passed; return how many were closed."""
    now = now or timezone.now()
    cutoff = now - DeskSettings.current().reopen_window
    closed = 0
    candidates = list(
        Ticket.objects.filter(status=Status.RESOLVED, resolved_at__lt=cutoff)
        .only("id", "status", "owner_id", "resolved_at")
        .order_by("resolved_at")[:batch]
    )
    for ticket in candidates:
        with transaction.atomic():
            updated = Ticket.objects.filter(pk=ticket.pk, status=Status.RESOLVED).update(
                status=Status.CLOSED, closed_at=now, updated_at=now
            )
            if updated != 1:
                continue  # someone reopened or closed it meanwhile
            record(
                ticket,
                TimelineEvent.Kind.STATUS_CHANGE,
                actor=None,
                now=now,
                public=True,
                command="close",
                automatic=True,
                **{"from": Status.RESOLVED.value, "to": Status.CLOSED.value},
            )
            closed += 1
    return closed
