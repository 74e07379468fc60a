"""SLA countdown badges and cards for the agent pages, and the requester's next-update line.

Each tag reads "now" from the template context when present (tests inject it), else the clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html

from allie.core.database import prepared_lookups
from allie.sla import presenters
from allie.sla.models import TicketSla

register = template.Library()


def _now(context: template.Context) -> datetime:
    now = context.get("now")
    return now if isinstance(now, datetime) else timezone.now()


def _loaded_sla(ticket: Any) -> TicketSla | None:
    """The ticket's SLA summary if it is there (select_related or already read), else None."""
    try:
        return ticket.sla  # type: ignore[no-any-return]
    except TicketSla.DoesNotExist:
        return None


@register.simple_tag(takes_context=True)
def sla_countdown(context: template.Context, ticket: Any) -> str:
    """A badge for the most urgent running clock: "2 h 15 left", "breached 35 min ago"..."""
    status = presenters.most_urgent(_loaded_sla(ticket), _now(context))
    if status is None:
        return format_html('<span class="sla sla-none">—</span>')
    return format_html(
        '<span class="sla sla-{}" title="{}">{}</span>', status.level, status.label, status.text
    )


@register.inclusion_tag("sla/_card.html", takes_context=True)
def sla_card(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The agent's SLA card: each clock, its due time, what is left, breaches, calendar, policy."""
    with prepared_lookups():  # by its key, the ticket's: planning its joins cost more than running
        sla = (
            TicketSla.objects.select_related("calendar", "policy", "policy__service")
            .filter(ticket_id=ticket.pk)
            .first()
        )
    now = _now(context)
    return {
        "sla": sla,
        "clocks": presenters.clock_statuses(sla, now) if sla is not None else [],
    }


@register.inclusion_tag("sla/_next_update.html", takes_context=True)
def sla_next_update(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The requester's "We will give you news by <time>", while the next-update clock runs."""
    due = (
        TicketSla.objects.filter(ticket_id=ticket.pk, next_update_state="running")
        .values_list("next_update_due_at", flat=True)
        .first()
    )
    return {"due": due}
