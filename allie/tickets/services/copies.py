"""People copied on a ticket: the requester's colleagues who may write on it by mail.

Intake copies the people a message was addressed to (To and Cc) when it opens a ticket or
lands on one: only active people of the ticket's own organisation, never an agent, the
requester, the sender or an address nobody holds (no account is created). A copied person may
then reply by mail as the requester's side does, while they stay active and in the ticket's
organisation (``allie.mail.services.threads.may_write_on``). They see nothing more on the
portal. An agent who works on the ticket may remove a copied person (``remove_copy``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from allie.accounts.models import STAFF_ROLES, User, UserRole
from allie.core.folding import Folded, folded
from allie.tickets.models import Ticket, TicketCopy, TimelineEvent
from allie.tickets.selectors import may_work_on
from allie.tickets.services.errors import FORBIDDEN, ServiceError
from allie.tickets.services.state import record


def copyable_people(ticket: Ticket, addresses: Iterable[str]) -> list[User]:
    """Return the people these addresses may copy on the ticket (one query, none without
    addresses): active, of the ticket's organisation, neither its requester nor an agent."""
    wanted = {folded(address.strip()) for address in addresses if address and "@" in address}
    if not wanted:
        return []
    staff = UserRole.objects.filter(user_id=OuterRef("pk"), role__in=STAFF_ROLES)
    # UPPER(email): on PostgreSQL each address is one entry of person_email_any_case.
    return list(
        User.objects.alias(address=Folded("email"))
        .filter(
            address__in=sorted(wanted),
            organisation_id=ticket.organisation_id,
            is_active=True,
            is_superuser=False,
        )
        .exclude(pk=ticket.requester_id)
        .exclude(Exists(staff))
        .only("pk")
    )


def copy_people(
    ticket: Ticket,
    people: Iterable[Any],
    *,
    by: Any,
    source: str,
    now: datetime | None = None,
) -> None:
    """Copy these people on the ticket, once each (one insert; those already copied stay)."""
    now = now or timezone.now()
    rows = [
        TicketCopy(ticket=ticket, person_id=person.pk, added_by=by, source=source, added_at=now)
        for person in people
    ]
    if rows:
        TicketCopy.objects.bulk_create(rows, ignore_conflicts=True)


def is_copied(person: Any, ticket: Ticket) -> bool:
    """Return whether this person is copied on the ticket and may still write on it: active
    and still in the ticket's organisation (at most one query)."""
    if person is None or not person.is_active or person.organisation_id is None:
        return False
    if person.organisation_id != ticket.organisation_id:
        return False  # moved to another organisation: their old copies give no right
    return TicketCopy.objects.filter(ticket_id=ticket.pk, person_id=person.pk).exists()


def copies_of(ticket: Ticket) -> list[TicketCopy]:
    """Return the ticket's copied people by name, each with its person (one query)."""
    return list(
        TicketCopy.objects.filter(ticket_id=ticket.pk)
        .select_related("person")
        .order_by("person__full_name", "person_id")
    )


def remove_copy(
    ticket: Ticket, *, person_pk: int, by: Any, now: datetime | None = None
) -> TimelineEvent:
    """Stop copying a person on the ticket (an agent who works on it); noted internally."""
    if not may_work_on(by, ticket):
        raise ServiceError("copy_not_found", kind=FORBIDDEN)
    now = now or timezone.now()
    with transaction.atomic():
        removed, _ = TicketCopy.objects.filter(ticket_id=ticket.pk, person_id=person_pk).delete()
        if not removed:
            raise ServiceError("copy_not_found", kind=FORBIDDEN)
        return record(
            ticket,
            TimelineEvent.Kind.SYSTEM,
            actor=by,
            now=now,
            public=False,
            copies="removed",
            person=person_pk,
        )
