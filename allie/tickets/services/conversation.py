"""Writing on a ticket: public replies and internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from allie.search.services.indexing import index_ticket
from allie.sla.services import refresh_ticket_sla
from allie.tickets.domain import lifecycle
from allie.tickets.models import DeskSettings, Ticket, TimelineEvent
from allie.tickets.services.attachments import UploadedFile, check_files, store_files
from allie.tickets.services.copies import is_copied
from allie.tickets.services.errors import CONFLICT, FORBIDDEN, ServiceError
from allie.tickets.services.state import actor_for, compare_and_set, record, run, state_of


def reply(
    ticket: Ticket,
    *,
    by: Any,
    body: str,
    public: bool = True,
    files: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> TimelineEvent:
    """Add a public reply or (agents only) an internal note, with optional attachments.

    A requester's reply while we wait on them puts the ticket back in progress. A public
    agent reply counts as the first response when it is the first.
    """
    body = (body or "").strip()
    if not body and not files:
        raise ServiceError("empty_reply", field="body")
    actor = actor_for(by, ticket)
    if public and not (actor.is_agent or actor.is_requester) and is_copied(by, ticket):
        # A person copied on the ticket (mail: docs/email-intake.md) replies as the
        # requester's side does; they see nothing more and may do nothing else.
        actor = replace(actor, is_requester=True)
    if not (actor.is_agent or actor.is_requester):
        raise ServiceError("reply_not_allowed", kind=FORBIDDEN)
    if not public and not actor.is_agent:
        raise ServiceError("agent_required", kind=FORBIDDEN)
    status = lifecycle.Status(ticket.status)
    if public and status in lifecycle.FINAL_STATUSES:
        raise ServiceError("reply_on_stopped", kind=CONFLICT, params={"status": status.value})
    check_files(files)
    now = now or timezone.now()
    as_agent = actor.is_agent and not (actor.is_requester and ticket.requester_id == by.pk)
    with transaction.atomic():
        changes: dict[str, Any] = {"updated_at": now}
        if public and as_agent:
            changes["agent_reply_count"] = F("agent_reply_count") + 1
            if ticket.first_response_at is None:
                changes["first_response_at"] = now
        elif public:
            changes["requester_reply_count"] = F("requester_reply_count") + 1
            if status is lifecycle.Status.WAITING_ON_REQUESTER:
                after = run(
                    state_of(ticket),
                    lifecycle.RequesterReplied(actor_id=by.pk),
                    actor=actor,
                    now=now,
                    reopen_window=DeskSettings.current().reopen_window,
                )
                changes["status"] = after.status.value
        old_status = ticket.status
        compare_and_set(ticket, **changes)
        kind = TimelineEvent.Kind.PUBLIC_REPLY if public else TimelineEvent.Kind.INTERNAL_NOTE
        event = record(ticket, kind, actor=by, now=now, public=public, body=body, by_agent=as_agent)
        if files:
            store_files(ticket, files, event=event, by=by, public=public, now=now)
        if public:
            index_ticket(ticket.pk)
        if ticket.status != old_status:
            record(
                ticket,
                TimelineEvent.Kind.STATUS_CHANGE,
                actor=by,
                now=now,
                public=True,
                command="requester_replied",
                **{"from": old_status, "to": ticket.status},
            )
        if (public and as_agent) or ticket.status != old_status:
            refresh_ticket_sla(ticket, now=now, by=by)
    return event
