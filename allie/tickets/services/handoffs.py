"""Handoffs: the owner proposes, the receiver accepts or declines, the proposer may withdraw.

Until a proposal is accepted the proposer stays owner and accountable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allie.accounts.models import Team, User
from allie.tickets.domain import lifecycle
from allie.tickets.models import DeskSettings, Handoff, Ticket, TimelineEvent
from allie.tickets.selectors import pending_handoff
from allie.tickets.services.errors import CONFLICT, ServiceError
from allie.tickets.services.state import actor_for, compare_and_set, record, run, state_of


def propose_handoff(
    ticket: Ticket,
    *,
    by: Any,
    reason: str,
    to_person: User | None = None,
    to_team: Team | None = None,
    now: datetime | None = None,
) -> Handoff:
    """Propose to hand the ticket to a person or a team, with a reason."""
    now = now or timezone.now()
    with transaction.atomic():
        pending = pending_handoff(ticket)
        command = lifecycle.ProposeHandoff(
            actor_id=by.pk,
            to_person_id=to_person.pk if to_person else None,
            to_team_id=to_team.pk if to_team else None,
            reason=reason or "",
        )
        run(
            state_of(ticket, pending),
            command,
            actor=actor_for(by, ticket),
            now=now,
            reopen_window=DeskSettings.current().reopen_window,
        )
        if to_person is not None and not _may_receive(to_person, ticket):
            raise ServiceError("handoff_target_unknown", field="to_person")
        if to_team is not None and not to_team.serves.filter(pk=ticket.organisation_id).exists():
            raise ServiceError("handoff_target_unknown", field="to_team")
        compare_and_set(ticket, updated_at=now)
        handoff = Handoff.objects.create(
            ticket=ticket,
            proposed_by=by,
            to_person=to_person,
            to_team=to_team,
            reason=reason.strip(),
            created_at=now,
        )
        record(
            ticket,
            TimelineEvent.Kind.HANDOFF,
            actor=by,
            now=now,
            body=reason.strip(),
            action="proposed",
            handoff=handoff.pk,
            to_person=to_person.pk if to_person else None,
            to_team=to_team.pk if to_team else None,
        )
    return handoff


def _may_receive(person: User, ticket: Ticket) -> bool:
    if not person.is_active or not person.is_agent:
        return False
    if person.is_administrator:
        return True
    return person.teams.filter(serves=ticket.organisation_id).exists()


def accept_handoff(ticket: Ticket, *, by: Any, now: datetime | None = None) -> Ticket:
    """Accept the pending handoff: `by` becomes the owner."""
    return _answer(ticket, by=by, action="accepted", reason="", now=now)


def decline_handoff(ticket: Ticket, *, by: Any, reason: str, now: datetime | None = None) -> Ticket:
    """Decline the pending handoff with a reason; the proposer stays owner."""
    return _answer(ticket, by=by, action="declined", reason=reason, now=now)


def withdraw_handoff(ticket: Ticket, *, by: Any, now: datetime | None = None) -> Ticket:
    """Withdraw one's own pending proposal."""
    return _answer(ticket, by=by, action="withdrawn", reason="", now=now)


_COMMANDS = {
    "accepted": lifecycle.AcceptHandoff,
    "declined": lifecycle.DeclineHandoff,
    "withdrawn": lifecycle.WithdrawHandoff,
}


def _answer(ticket: Ticket, *, by: Any, action: str, reason: str, now: datetime | None) -> Ticket:
    now = now or timezone.now()
    with transaction.atomic():
        pending = pending_handoff(ticket)
        kwargs: dict[str, Any] = {"actor_id": by.pk}
        if action == "declined":
            kwargs["reason"] = reason or ""
        before = state_of(ticket, pending)
        after = run(
            before,
            _COMMANDS[action](**kwargs),
            actor=actor_for(by, ticket),
            now=now,
            reopen_window=DeskSettings.current().reopen_window,
        )
        assert pending is not None  # the domain refuses an answer without a pending handoff
        claimed = Handoff.objects.filter(pk=pending.pk, state=Handoff.State.PENDING).update(
            state=action, responded_by=by, responded_at=now, response_reason=reason.strip()
        )
        if claimed != 1:
            raise ServiceError("changed_meanwhile", kind=CONFLICT)
        changes: dict[str, Any] = {"updated_at": now}
        if after.owner_id != before.owner_id:
            changes["owner_id"] = after.owner_id
            changes["handoff_count"] = F("handoff_count") + 1
            changes["team_id"] = pending.to_team_id or _team_of(by, ticket)
        compare_and_set(ticket, **changes)
        record(
            ticket,
            TimelineEvent.Kind.HANDOFF,
            actor=by,
            now=now,
            body=reason.strip(),
            action=action,
            handoff=pending.pk,
        )
        if "owner_id" in changes:
            record(
                ticket,
                TimelineEvent.Kind.OWNER_CHANGE,
                actor=by,
                now=now,
                public=True,
                **{"from": before.owner_id, "to": after.owner_id},
            )
    return ticket


def _team_of(agent: Any, ticket: Ticket) -> int | None:
    team_ids = list(
        agent.teams.filter(serves=ticket.organisation_id).values_list("id", flat=True)[:1]
    )
    return team_ids[0] if team_ids else ticket.team_id
