"""Reads of the commitments ledger, always scoped to what the reader may see."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from allie.tickets.models import Ticket
from allie.tickets.selectors import served_organisation_ids
from allie.voice.domain.commitments import Tally
from allie.voice.models import Commitment

#: The roles that see the commitments figures.
FIGURES_ROLES = frozenset({"team_lead", "manager", "executive", "administrator"})

#: How figures can be grouped: the grouping column and the column naming the group.
GROUPINGS = {
    "agent": ("made_by_id", "made_by__full_name"),
    "team": ("team_id", "team__name"),
    "organisation": ("organisation_id", "organisation__name"),
}
#: The outcome figures (`allie.voice.figures`) also count commitments per their ticket's service.
OUTCOME_GROUPINGS = {**GROUPINGS, "service": ("ticket__service_id", "ticket__service__name_fr")}


def scope_commitments(queryset: QuerySet[Commitment], user: Any) -> QuerySet[Commitment]:
    """Narrow `queryset` to the commitments `user` may see.

    Administrators see all; agents see those of the organisations their teams serve and those
    they made; a requester sees the public ones on their tickets (all of their organisation's
    tickets when they are its contact). Anyone else sees nothing.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_administrator:
        return queryset
    # The requester's part is checked on the commitment's own ticket by EXISTS, never by a join
    # of the tickets: a join lets the planner read every ticket to count a month's commitments.
    requester = Q(requester_id=user.pk)
    if user.is_organisation_contact and user.organisation_id:
        requester |= Q(organisation_id=user.organisation_id)
    on_their_ticket = Exists(Ticket.objects.filter(requester, pk=OuterRef("ticket_id")))
    condition = Q(is_public=True) & Q(on_their_ticket)
    if user.is_agent:
        condition = (
            Q(organisation_id__in=served_organisation_ids(user)) | Q(made_by_id=user.pk) | condition
        )
    return queryset.filter(condition)


def open_ticket_commitments(ticket: Ticket, *, public_only: bool = False) -> list[Commitment]:
    """The ticket's open commitments, soonest due first (one query)."""
    rows = Commitment.objects.filter(ticket_id=ticket.pk, state=Commitment.State.OPEN)
    if public_only:
        rows = rows.filter(is_public=True)
    return list(rows.select_related("made_by", "to_person").order_by("due_at", "id"))


def may_see_figures(user: Any) -> bool:
    """Whether `user` may read the commitments figures."""
    return bool(user.is_authenticated and user.is_active and user.roles & FIGURES_ROLES)


@dataclass(frozen=True)
class FigureRow:
    """Commitments due in a period for one agent, team or organisation."""

    key: int | None
    name: str
    tally: Tally

    @property
    def kept_percent(self) -> float | None:
        rate = self.tally.kept_rate
        return None if rate is None else round(100 * rate, 1)


def commitment_figures(
    period_start: datetime,
    period_end: datetime,
    by: str = "agent",
    *,
    user: Any = None,
    now: datetime | None = None,
    team_ids: Collection[int] | None = None,
    groupings: Mapping[str, tuple[str, str]] = GROUPINGS,
) -> list[FigureRow]:
    """Return kept, renegotiated and broken commitments due in [start, end), grouped `by`.

    An open commitment already past due counts as broken (the sweep may not have run yet);
    open ones not yet due are not counted. With `user`, only what they may see; with
    `team_ids`, only the commitments counted for those teams. One query (plus the scoping's
    cached reads).
    """
    if by not in groupings:
        raise ValueError(f"Unknown grouping: {by}")
    now = now or timezone.now()
    key, name = groupings[by]
    rows = Commitment.objects.filter(due_at__gte=period_start, due_at__lt=period_end)
    if user is not None:
        rows = scope_commitments(rows, user)
    if team_ids is not None:
        rows = rows.filter(team_id__in=list(team_ids))
    overdue = Q(state=Commitment.State.OPEN, due_at__lt=now)
    groups = (
        rows.values(key, name)
        .annotate(
            kept=Count("pk", filter=Q(state=Commitment.State.KEPT)),
            renegotiated=Count("pk", filter=Q(state=Commitment.State.RENEGOTIATED)),
            broken=Count("pk", filter=Q(state=Commitment.State.BROKEN) | overdue),
        )
        .order_by(name, key)
    )
    return [
        FigureRow(
            key=group[key],
            name=group[name] or "",
            tally=Tally(
                kept=group["kept"], renegotiated=group["renegotiated"], broken=group["broken"]
            ),
        )
        for group in groups
    ]


#: How many of the requester's latest answers the agent sees beside a ticket.
RECENT_ANSWERS = 3


def recent_answers(requester_id: int) -> list[Any]:
    """The requester's latest answered satisfaction surveys, newest first (one query)."""
    from allie.voice.models import Survey

    return list(
        Survey.objects.filter(requester_id=requester_id, answered_at__isnull=False)
        .select_related("ticket")
        .only("csat", "ces", "comment", "low", "answered_at", "ticket__reference", "ticket__title")
        .order_by("-answered_at", "-id")[:RECENT_ANSWERS]
    )


# --- Follow-ups of low answers (issue 5, point 3) ---------------------------------------------

#: The roles that see every open follow-up (team leads see theirs and their clients').
ALL_FOLLOW_UPS_ROLES = frozenset({"manager", "executive", "administrator"})


def may_see_follow_ups(user: Any) -> bool:
    """Whether `user` may open the follow-up queue: leaders, and account managers (the
    relationship survey's low answers are theirs to follow up)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.roles & (FIGURES_ROLES | {"account_manager"}))


def visible_follow_ups(user: Any) -> QuerySet[Any]:
    """The follow-ups `user` may see: managers, executives and administrators all; a team lead
    those assigned to them and those of the organisations their teams serve; an account manager
    those assigned to them and those of the organisations they manage; anyone else none.
    """
    from allie.voice.models import FollowUp

    rows = FollowUp.objects.all()
    if not may_see_follow_ups(user):
        return rows.none()
    if user.roles & ALL_FOLLOW_UPS_ROLES:
        return rows
    mine = Q(assigned_to_id=user.pk)
    if user.roles & FIGURES_ROLES:
        served = served_organisation_ids(user)
        mine |= Q(ticket__organisation_id__in=served)
        mine |= Q(relationship_answer__organisation_id__in=served)
    if "account_manager" in user.roles:
        managed = Q(ticket__organisation__account_manager_id=user.pk)
        mine |= managed | Q(relationship_answer__organisation__account_manager_id=user.pk)
    return rows.filter(mine)


def open_follow_ups(user: Any) -> list[Any]:
    """Open follow-ups `user` may see, those assigned to them first, soonest due first."""
    from django.db.models import Case, IntegerField, Value, When

    from allie.voice.models import FollowUp

    return list(
        visible_follow_ups(user)
        .filter(state=FollowUp.State.OPEN)
        .select_related("ticket", "assigned_to", "survey")
        .annotate(
            mine=Case(
                When(assigned_to_id=user.pk, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-mine", "due_at", "id")
    )
