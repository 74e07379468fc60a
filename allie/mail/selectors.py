"""Reads of the email channel used by other interfaces."""

from __future__ import annotations

from allie.mail.models import InboundMessage
from allie.tickets.models import Ticket


def originals_by_event(ticket: Ticket) -> dict[int, int]:
    """Return, for the ticket's timeline events made from an email, the inbound message's id."""
    return dict(
        InboundMessage.objects.filter(ticket_id=ticket.pk, event__isnull=False).values_list(
            "event_id", "pk"
        )
    )
