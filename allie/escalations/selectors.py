"""Reads of escalations, scoped to what the reader may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from allie.accounts.models import Role
from allie.escalations.domain import ladder as domain
from allie.escalations.models import Escalation, EscalationAlert, EscalationLadder
from allie.tickets.models import Ticket
from allie.tickets.selectors import visibility

EXECUTIVE_VIEW_ROLES = frozenset({Role.TEAM_LEAD, Role.MANAGER, Role.EXECUTIVE, Role.ADMINISTRATOR})


def may_see_executive_view(user: Any) -> bool:
    """Team leads, managers, executives and administrators see the active escalations."""
    return bool(user.is_authenticated and user.is_active and user.roles & EXECUTIVE_VIEW_ROLES)


def ladder_for(organisation_id: int | None) -> domain.Ladder:
    """Return the organisation's ladder, else the default one, else the built-in ladder."""
    rows = list(
        EscalationLadder.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation__isnull=True)
        )
        .prefetch_related("steps")
        .order_by("organisation_id", "pk")
    )
    own = [row for row in rows if row.organisation_id is not None]
    chosen = own[0] if own else (rows[0] if rows else None)
    if chosen is None:
        return domain.DEFAULT_LADDER
    return chosen.to_domain(list(chosen.steps.all()))


def raised_levels(ticket: Ticket) -> set[str | tuple[str, int | None]]:
    """Return what the ticket ever raised: level names and ("team", id) for functional ones."""
    raised: set[str | tuple[str, int | None]] = set()
    for level, team_id in ticket.escalations.values_list("level", "target_team_id"):
        raised.add((level, team_id) if level == domain.Level.TEAM else level)
    return raised


def _with_alerts(escalations: QuerySet[Escalation]) -> QuerySet[Escalation]:
    return escalations.prefetch_related(
        Prefetch("alerts", queryset=EscalationAlert.objects.select_related("person"))
    )


def ticket_escalations(ticket: Ticket) -> list[Escalation]:
    """Return the ticket's escalations, active first, oldest first, with their alerts."""
    rows = _with_alerts(ticket.escalations.select_related("raised_by", "target_team", "closed_by"))
    return sorted(rows, key=lambda e: (not e.is_active, e.raised_at, e.pk))


def visible_escalations(user: Any) -> QuerySet[Escalation]:
    """Return the escalations `user` may see: on tickets they see, or that alerted them.

    The tickets' scoping rule is checked on each escalation's own ticket (joined by its key) and
    the alert by EXISTS: the work can follow the escalations asked for (the active ones, one by
    its id) instead of every ticket `user` may see, and no join multiplies rows to DISTINCT.
    """
    if not user.is_authenticated or not user.is_active:
        return Escalation.objects.none()
    rule = visibility(user, via="ticket__")
    if rule is None:  # administrators see every ticket
        return Escalation.objects.all()
    alerted = Exists(EscalationAlert.objects.filter(escalation=OuterRef("pk"), person=user))
    return Escalation.objects.filter(rule | Q(alerted))


def active_escalations(user: Any) -> QuerySet[Escalation]:
    """Return the active escalations `user` may see, oldest first, ready to list."""
    return _with_alerts(
        visible_escalations(user)
        .active()
        .select_related(
            "ticket", "ticket__organisation", "ticket__owner", "target_team", "raised_by"
        )
        .order_by("raised_at", "id")
    )


def alerts_for(user: Any) -> QuerySet[EscalationAlert]:
    """Return the alerts of active escalations sent to `user`, oldest first."""
    return (
        EscalationAlert.objects.filter(person=user, escalation__state__in=["open", "acknowledged"])
        .select_related(
            "escalation",
            "escalation__ticket",
            "escalation__ticket__organisation",
            "escalation__ticket__owner",
        )
        .order_by("alerted_at", "id")
    )


def may_close(user: Any, escalation: Escalation) -> bool:
    """An alerted person or an administrator may close an escalation."""
    if user.is_administrator:
        return True
    return EscalationAlert.objects.filter(escalation=escalation, person=user).exists()
