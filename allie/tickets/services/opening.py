"""Opening tickets (any channel), logging phone and counter contacts, editing fields."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from allie.accounts.models import User
from allie.catalog.models import Service, TicketKind
from allie.core.inserts import insert
from allie.core.reference_cache import cached_reference, watch
from allie.search.services.indexing import index_ticket
from allie.sla.services import refresh_ticket_sla
from allie.tickets.domain import lifecycle
from allie.tickets.domain.errors import DomainError
from allie.tickets.domain.priority import priority_for
from allie.tickets.domain.reference import format_reference
from allie.tickets.models import Channel, PriorityCell, Status, Ticket, TimelineEvent
from allie.tickets.services.attachments import UploadedFile, check_files, store_files
from allie.tickets.services.errors import FORBIDDEN, ServiceError, from_domain
from allie.tickets.services.state import compare_and_set, record


def priority_matrix() -> dict[tuple[str, str], str]:
    """Return the administrator's overrides of the default impact × urgency matrix."""

    def load() -> dict[tuple[str, str], str]:
        cells = PriorityCell.objects.all().only("impact", "urgency", "priority")
        return {(cell.impact, cell.urgency): cell.priority for cell in cells}

    return cached_reference("priority_matrix", load)


watch(PriorityCell)  # an administrator's change clears the cached matrix


def compute_priority(impact: str, urgency: str) -> str:
    """Return the priority for impact and urgency under the configured matrix."""
    try:
        return priority_for(impact, urgency, priority_matrix()).value
    except DomainError as error:
        raise from_domain(error, field=error.code.removeprefix("unknown_")) from error


def _reference_in_insert() -> dict[str, tuple[str, tuple[str, ...]]]:
    """On PostgreSQL, the reference written by the ticket's INSERT itself; else nothing.

    The id comes from the table's sequence within the INSERT, which PostgreSQL evaluates
    before the other columns' values, so `currval` is this row's id. Were it ever otherwise,
    `currval` would be undefined or the session's previous id, whose reference the unique
    constraint refuses: an error, never a wrong reference. Elsewhere (SQLite) an UPDATE sets
    it.
    """
    if connection.vendor != "postgresql":
        return {}
    number = "CURRVAL(PG_GET_SERIAL_SEQUENCE(%s, 'id'))::text"
    table = Ticket._meta.db_table
    # `format_reference`: at least six digits, more past 999999 (LPAD alone would cut them).
    sql = f"%s || LPAD({number}, GREATEST(6, LENGTH({number})), '0')"  # our table's name
    return {"reference": (sql, (f"{settings.ALLIE_TICKET_PREFIX}-", table, table))}


def open_ticket(
    *,
    requester: Any,
    title: str,
    description: str = "",
    service: Service | None = None,
    kind: str | None = None,
    channel: str = Channel.PORTAL,
    impact: str | None = None,
    urgency: str | None = None,
    site: Any = None,
    form_answers: dict[str, Any] | None = None,
    files: Sequence[UploadedFile] = (),
    opened_by: Any = None,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket for `requester` through any channel and return it.

    `opened_by` is the agent who logged it on the requester's behalf, if anyone did.
    """
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise ServiceError("title_required", field="title")
    if requester.organisation_id is None:
        raise ServiceError("no_organisation", field="requester")
    if service is not None and not service.is_active:
        raise ServiceError("service_retired", field="service")
    check_files(files)
    impact = impact or (service.default_impact if service else "low")
    urgency = urgency or (service.default_urgency if service else "medium")
    priority = compute_priority(impact, urgency)
    with transaction.atomic():
        ticket = Ticket(
            kind=kind or (service.default_kind if service else TicketKind.QUESTION),
            channel=channel,
            title=title[:200],
            description=description or "",
            requester=requester,
            organisation_id=requester.organisation_id,
            site=site or requester.site,
            service=service,
            form_answers=form_answers or {},
            impact=impact,
            urgency=urgency,
            priority=priority,
            status=Status.NEW,
            team=service.owner_team if service else None,
            created_at=now,
            updated_at=now,
        )
        reference_sql = _reference_in_insert()
        insert(ticket, sql_values=reference_sql)
        if User.organisation.is_cached(requester):
            ticket.organisation = requester.organisation  # the SLA's calendar reads it
        reference = format_reference(ticket.pk, settings.ALLIE_TICKET_PREFIX)
        if not reference_sql:
            Ticket.objects.filter(pk=ticket.pk).update(reference=reference)
        ticket.reference = reference
        event = record(
            ticket,
            TimelineEvent.Kind.OPENED,
            actor=opened_by or requester,
            now=now,
            public=True,
            body=ticket.description,
            channel=channel,
            on_behalf_of=requester.pk if opened_by else None,
        )
        if files:
            store_files(ticket, files, event=event, by=opened_by or requester, public=True, now=now)
        index_ticket(ticket.pk)
        refresh_ticket_sla(ticket, now=now, by=opened_by or requester, opened=True)
        from allie.escalations.services import on_ticket_event

        on_ticket_event(ticket, kind="opened", now=now)
    ticket.opening_event = event  # for callers that attach more to it (email intake)
    return ticket


def log_contact(
    *,
    by: Any,
    requester: Any,
    channel: str,
    title: str,
    description: str = "",
    service: Service | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    resolved_now: bool = False,
    resolution: str = "",
    now: datetime | None = None,
) -> Ticket:
    """Record a phone call or counter visit taken by agent `by`, who owns it from the start.

    When the agent solved it during the contact, the ticket is resolved at first contact.
    """
    from allie.tickets.services.conversation import reply
    from allie.tickets.services.lifecycle import acknowledge, transition

    if channel not in (Channel.PHONE, Channel.COUNTER):
        raise ServiceError("contact_channel", field="channel")
    if not by.is_agent:
        raise ServiceError("not_an_agent", kind=FORBIDDEN)
    now = now or timezone.now()
    with transaction.atomic():
        ticket = open_ticket(
            requester=requester,
            title=title,
            description=description,
            service=service,
            channel=channel,
            impact=impact,
            urgency=urgency,
            opened_by=by,
            now=now,
        )
        acknowledge(ticket, by=by, now=now)
        if resolved_now:
            if resolution.strip():
                reply(ticket, by=by, body=resolution, public=True, now=now)
            transition(ticket, by=by, command="resolve", now=now)
            Ticket.objects.filter(pk=ticket.pk).update(resolved_at_first_contact=True)
            ticket.resolved_at_first_contact = True
    return ticket


def update_ticket_fields(
    ticket: Ticket,
    *,
    by: Any,
    impact: str | None = None,
    urgency: str | None = None,
    service: Service | None = None,
    next_step: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Change impact, urgency, service or next step; the priority follows the matrix."""
    from allie.tickets.services.state import actor_for

    if not actor_for(by, ticket).is_agent:
        raise ServiceError("agent_required", kind=FORBIDDEN)
    if lifecycle.Status(ticket.status) not in lifecycle.OPEN_STATUSES:
        raise ServiceError(
            "command_not_applicable", kind="conflict", params={"status": ticket.status}
        )
    if service is not None and service.pk != ticket.service_id and not service.is_active:
        raise ServiceError("service_retired", field="service")
    now = now or timezone.now()
    changes: dict[str, Any] = {}
    new_impact = impact or ticket.impact
    new_urgency = urgency or ticket.urgency
    if new_impact != ticket.impact:
        changes["impact"] = new_impact
    if new_urgency != ticket.urgency:
        changes["urgency"] = new_urgency
    if changes:
        priority = compute_priority(new_impact, new_urgency)
        if priority != ticket.priority:
            changes["priority"] = priority
    if service is not None and service.pk != ticket.service_id:
        changes["service"] = service
    if next_step is not None and next_step.strip() != ticket.next_step:
        changes["next_step"] = next_step.strip()[:300]
    if not changes:
        return ticket
    before = {
        name: (ticket.service_id if name == "service" else getattr(ticket, name))
        for name in changes
    }
    with transaction.atomic():
        compare_and_set(ticket, updated_at=now, **changes)
        after = {
            name: (value.pk if name == "service" else value) for name, value in changes.items()
        }
        record(
            ticket,
            TimelineEvent.Kind.FIELD_CHANGE,
            actor=by,
            now=now,
            public=set(changes) <= {"next_step", "service"},
            changes={name: [before[name], after[name]] for name in changes},
        )
        if {"priority", "service"} & set(changes):
            refresh_ticket_sla(ticket, now=now, by=by)
    return ticket
