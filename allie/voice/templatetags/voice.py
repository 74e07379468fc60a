"""Voice-of-the-client panels for the ticket pages: commitments, recent satisfaction."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from allie.tickets.selectors import may_work_on
from allie.voice import selectors
from allie.voice.forms import CommitmentForm

register = template.Library()


@register.inclusion_tag("voice/_agent_commitments.html", takes_context=True)
def commitment_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The agent's panel: open commitments, kept / renegotiate / broken, and "record one"."""
    user = context["request"].user
    may_record = may_work_on(user, ticket)
    return {
        "ticket": ticket,
        "commitments": selectors.open_ticket_commitments(ticket),
        "may_record": may_record,
        "form": CommitmentForm(ticket=ticket) if may_record else None,
        "csrf_token": context.get("csrf_token"),
        "now": timezone.now(),
    }


@register.inclusion_tag("voice/_requester_commitments.html")
def requester_commitment_panel(ticket: Any) -> dict[str, Any]:
    """What we promised the requester on this ticket and have not settled yet (public only)."""
    return {
        "ticket": ticket,
        "commitments": selectors.open_ticket_commitments(ticket, public_only=True),
    }


@register.inclusion_tag("voice/_recent_satisfaction.html")
def recent_satisfaction(ticket: Any) -> dict[str, Any]:
    """For the agent: how this requester answered their latest surveys."""
    return {"answers": selectors.recent_answers(ticket.requester_id)}
