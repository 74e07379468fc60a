"""Which ticket a message continues: threading headers first, then the reference in the subject.

In-Reply-To, then References from the newest to the oldest, are looked up among the messages we
received and sent; failing that, a reference such as ``[D-000123]`` in the subject. A message we
received and held for review points to the ticket it was held for, so a follow-up to it is
weighed against that ticket (and held for it again, unless its sender may write there). A candidate
lands the message only when the sender may write on it (its requester, their organisation's
contact, a person copied on it, or an agent who works on it): anyone can quote a reference or
a Message-ID, and a stranger must never write into someone else's ticket. Their mail waits for
the review of an agent who works on that ticket instead (``allie.mail.services.review``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q

from allie.mail.domain.parsing import ParsedMessage
from allie.mail.models import InboundMessage, OutboundMessage
from allie.tickets.domain.reference import format_reference, parse_reference
from allie.tickets.models import Ticket
from allie.tickets.selectors import may_act_for_requester, may_work_on
from allie.tickets.services.copies import is_copied

MAX_IDS = 50  # the parent, the latest ancestors and the root are what matter; caps IN (...)


def thread_ids(parsed: ParsedMessage) -> list[str]:
    """Return the ids this message answers, most direct first (In-Reply-To, then References),
    the thread's root (References' first id) kept last when there are more than MAX_IDS."""
    ids: list[str] = []
    for message_id in (parsed.in_reply_to, *reversed(parsed.references)):
        if message_id and message_id not in ids and message_id != parsed.message_id:
            ids.append(message_id)
    if len(ids) <= MAX_IDS:
        return ids
    # In a long thread among outside people, the message that opened the ticket (or our
    # answer to it) may be the only id we know: dropping it would open a new ticket.
    newest = ids[: MAX_IDS - 1]
    root = parsed.references[0]
    return [*newest, root] if root in ids and root not in newest else ids[:MAX_IDS]


def ticket_ids_by_headers(parsed: ParsedMessage) -> list[int]:
    """Return the ids of tickets this message's threading headers point to, best first."""
    ids = thread_ids(parsed)
    if not ids:
        return []
    received = InboundMessage.objects.filter(message_id__in=ids).filter(
        Q(ticket__isnull=False) | Q(held_for__isnull=False)
    )
    found: dict[str, int] = {
        message_id: ticket_id or held_for_id
        for message_id, ticket_id, held_for_id in received.values_list(
            "message_id", "ticket_id", "held_for_id"
        )
    }
    missing = [message_id for message_id in ids if message_id not in found]
    if missing:
        found.update(
            OutboundMessage.objects.filter(
                message_id__in=missing, ticket__isnull=False
            ).values_list("message_id", "ticket_id")
        )
    ordered: list[int] = []
    for message_id in ids:
        ticket_id = found.get(message_id)
        if ticket_id is not None and ticket_id not in ordered:
            ordered.append(ticket_id)
    return ordered


def reference_in_subject(subject: str) -> str | None:
    """Return the ticket reference quoted in a subject (``D-000123``), if any."""
    prefix = settings.ALLIE_TICKET_PREFIX
    number = parse_reference(subject or "", prefix)
    return format_reference(number, prefix) if number is not None else None


def may_write_on(person: Any, ticket: Ticket) -> bool:
    """Return whether this person may add mail to the ticket (a copied person's right costs
    at most one query, and none for someone of another organisation)."""
    if person is None or not person.is_active:
        return False
    return (
        may_act_for_requester(person, ticket)
        or may_work_on(person, ticket)
        or is_copied(person, ticket)
    )


@dataclass(frozen=True)
class Thread:
    """The ticket a message points to, and whether its sender may write on it."""

    ticket: Ticket | None = None
    writable: bool = False


def find_thread(parsed: ParsedMessage, person: Any) -> Thread:
    """Return the ticket this message continues: the first candidate the sender may write on,
    else the most direct candidate (for review), else no ticket.

    Candidates: the tickets of the threading headers (best first), then the subject's reference.
    """
    candidates = ticket_ids_by_headers(parsed)
    # The reply's notices and the SLA's calendar read the requester and the organisation.
    tickets = Ticket.objects.select_related("requester", "organisation")
    by_id = {ticket.pk: ticket for ticket in tickets.filter(pk__in=candidates[:5])}
    found = [by_id[ticket_id] for ticket_id in candidates[:5] if ticket_id in by_id]
    for ticket in found:
        if may_write_on(person, ticket):
            return Thread(ticket, writable=True)
    reference = reference_in_subject(parsed.subject)
    if reference is not None:
        ticket = tickets.filter(reference=reference).first()
        if ticket is not None and ticket.pk not in by_id:
            if may_write_on(person, ticket):
                return Thread(ticket, writable=True)
            found.append(ticket)
    return Thread(found[0] if found else None)


def find_ticket(parsed: ParsedMessage, person: Any) -> Ticket | None:
    """Return the ticket this message continues and the sender may write on, else None."""
    thread = find_thread(parsed, person)
    return thread.ticket if thread.writable else None
