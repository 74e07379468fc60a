"""Escalation panels for the ticket pages and the navigation check."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import timezone

from allie.accounts.models import Team
from allie.escalations import selectors
from allie.escalations.domain.ladder import requester_may_escalate_at
from allie.escalations.forms import EscalateForm, RequesterEscalationForm
from allie.escalations.models import Trigger
from allie.tickets.selectors import may_act_for_requester, may_work_on
from allie.workspace.forms import offer_rows

register = template.Library()


@register.filter
def may_see_escalations(user: Any) -> bool:
    """Whether the person sees the executive view of escalations (for the navigation)."""
    return selectors.may_see_executive_view(user)


@register.inclusion_tag("escalations/_agent_panel.html", takes_context=True)
def escalation_panel(
    context: template.Context, ticket: Any, teams: Sequence[Team] | None = None
) -> dict[str, Any]:
    """The agent's panel: the ticket's escalations, acknowledge/close, and "Escalate".

    `teams`: the teams serving the ticket's organisation, when the page has read them already.
    """
    request = context["request"]
    user = request.user
    escalations = selectors.ticket_escalations(ticket)
    for escalation in escalations:
        mine = [alert for alert in escalation.alerts.all() if alert.person_id == user.pk]
        escalation.may_acknowledge = bool(  # type: ignore[attr-defined]
            escalation.is_active and mine and mine[0].acknowledged_at is None
        )
        escalation.may_close = escalation.is_active and bool(  # type: ignore[attr-defined]
            mine or user.is_administrator
        )
    may_escalate = ticket.is_open and may_work_on(user, ticket)
    form = None
    if may_escalate:  # the form is shown (and its teams read) only then
        form = EscalateForm(ticket=ticket)
        if teams is not None:
            offer_rows(form.fields["team"], teams)
    return {
        "ticket": ticket,
        "escalations": escalations,
        "may_escalate": may_escalate,
        "form": form,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
        "now": timezone.now(),
    }


@register.inclusion_tag("escalations/_requester_panel.html", takes_context=True)
def requester_escalation_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    """The requester's panel: "I need this escalated", and what was escalated at their ask."""
    request = context["request"]
    user = request.user
    if not may_act_for_requester(user, ticket):
        return {"show": False}
    asked = [
        escalation
        for escalation in selectors.ticket_escalations(ticket)
        if escalation.trigger == Trigger.REQUESTER
    ]
    allowed_from = None
    may_ask = ticket.is_open
    if may_ask and asked:  # without an earlier request, no cooldown to read
        cooldown = selectors.ladder_for(ticket.organisation_id).requester_cooldown_hours
        last = max(escalation.raised_at for escalation in asked)
        allowed_from = requester_may_escalate_at(last, cooldown_hours=cooldown)
        may_ask = allowed_from is None or timezone.now() >= allowed_from
    return {
        "show": bool(asked) or may_ask,
        "ticket": ticket,
        "asked": asked,
        "may_ask": may_ask,
        "allowed_from": allowed_from,
        "form": RequesterEscalationForm(),
        "csrf_token": context.get("csrf_token"),
    }
