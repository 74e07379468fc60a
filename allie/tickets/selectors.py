"""Reads of tickets, always scoped to what the reader may see.

`scope_tickets` is the one scoping rule: every list, page, search, counter, export and
notification goes through it (via `Ticket.objects.visible_to(user)`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from allie.accounts.models import Organisation
from allie.core.database import prepared_lookups
from allie.core.folding import Folded, folded
from allie.tickets.models import OPEN_STATUSES, Handoff, Status, Ticket, TimelineEvent

if TYPE_CHECKING:
    from allie.accounts.models import User


def scope_tickets(queryset: QuerySet[Ticket], user: Any) -> QuerySet[Ticket]:
    """Narrow `queryset` to the tickets `user` may see.

    Administrators see everything; agents see the organisations their teams serve (and the
    tickets they own or requested); a requester sees their own tickets, or all of their
    organisation's when they are its contact. Anyone else sees nothing.
    """
    condition = visibility(user)
    return queryset if condition is None else queryset.filter(condition)


def visibility(user: Any, *, via: str = "") -> Q | None:
    """Return the rule of `scope_tickets` as a condition on `organisation_id`, `requester_id`
    and `owner_id` (None: everything), for the rows that carry those columns (tickets, and the
    search entries, which keep a copy so a search checks the scope in the rows it reads).

    `via` is the path to those columns from another model (`"ticket__"` for a row with a ticket
    foreign key), so the rule is checked on that row's own ticket.
    """
    whole, own = _scope_parts(user, via)
    if whole is None:
        return None
    return own | Q(**{f"{via}organisation_id__in": whole}) if whole else own


def visibility_by_organisation(user: Any, *, via: str = "") -> tuple[list[int] | None, Q]:
    """`visibility` in two parts, for figures kept per organisation: the organisations all of
    whose tickets `user` sees (None: every organisation), and the condition on the other tickets
    they see (those they asked for or own, elsewhere). Together they are `visibility`.
    """
    whole, own = _scope_parts(user, via)
    if whole is None:
        return None, Q(**{f"{via}pk__in": []})
    return whole, own & ~Q(**{f"{via}organisation_id__in": whole})


def _scope_parts(user: Any, via: str) -> tuple[list[int] | None, Q]:
    """The rule of `visibility`, once: the organisations whose every ticket `user` sees (None:
    all of them) and the condition on the tickets they see as requester or owner."""
    if user is None or not user.is_authenticated or not user.is_active:
        return [], Q(**{f"{via}pk__in": []})
    if user.is_administrator:
        return None, Q()
    whole: list[int] = []
    if user.is_organisation_contact and user.organisation_id:
        whole.append(user.organisation_id)
    own = Q(**{f"{via}requester_id": user.pk})
    if user.is_agent:
        whole.extend(served_organisation_ids(user))
        own |= Q(**{f"{via}owner_id": user.pk})
    return whole, own


def served_organisation_ids(user: User) -> list[int]:
    """Return the ids of the organisations this agent's teams serve (cached per request user)."""
    cached = getattr(user, "_served_organisation_ids", None)
    if cached is None:
        from allie.accounts.models import Organisation

        cached = list(
            Organisation.objects.filter(serving_teams__members=user)
            .values_list("id", flat=True)
            .distinct()
        )
        user._served_organisation_ids = cached  # type: ignore[attr-defined]
    return cached


def get_visible_ticket(user: Any, reference: str) -> Ticket:
    """Return the ticket with this reference if `user` may see it, else raise Http404."""
    if "\x00" in reference:  # no reference holds one, and PostgreSQL refuses it in a query
        raise Http404
    # References are unique: no ORDER BY (the model's default order would let the planner walk
    # the whole table by date instead of using the `UPPER(reference)` index). A lookup by that
    # unique key, kept prepared on PostgreSQL: planning its six joins cost ten times running it
    # (3.2 ms against 0.3 ms), and any plan starts from the reference's index.
    with prepared_lookups():
        found = list(
            Ticket.objects.visible_to(user)
            .select_related("requester", "organisation", "site", "service", "owner", "team")
            .filter(reference__iexact=reference)
            .order_by()[:1]
        )
    if not found:
        raise Http404
    return found[0]


def visible_timeline(ticket: Ticket, user: Any) -> QuerySet[TimelineEvent]:
    """Return the ticket's timeline as `user` may read it: internal notes only for agents."""
    events = ticket.events.select_related("actor").prefetch_related("attachments")
    if not may_work_on(user, ticket):
        events = events.filter(is_public=True)
    return events.order_by("created_at", "id")


def may_work_on(user: Any, ticket: Ticket) -> bool:
    """Return whether `user` acts as an agent on this ticket (sees notes, changes status)."""
    if not user.is_authenticated or not user.is_agent:
        return False
    if user.is_administrator or ticket.owner_id == user.pk:
        return True
    return ticket.organisation_id in served_organisation_ids(user)


def who_takes_charge(ticket: Ticket) -> User | None:
    """Return who answers for a ticket nobody owns: the lead of its team, else the lead of a
    team serving its organisation, else an administrator (active people only).

    The one rule for work about an unowned ticket that must reach a person: follow-ups of low
    survey answers and mail held for review.
    """
    from allie.accounts.models import User as Person
    from allie.accounts.selectors import serving_lead_or_admin

    if ticket.team_id is not None:
        lead = Person.objects.filter(led_teams__pk=ticket.team_id, is_active=True).first()
        if lead is not None:
            return lead
    return serving_lead_or_admin(ticket.organisation_id)


def may_act_for_requester(user: Any, ticket: Ticket) -> bool:
    """Return whether `user` speaks for the requester (is them, or their organisation's contact)."""
    if not user.is_authenticated:
        return False
    if ticket.requester_id == user.pk:
        return True
    return bool(user.is_organisation_contact and user.organisation_id == ticket.organisation_id)


def pending_handoff(ticket: Ticket) -> Handoff | None:
    """Return the ticket's pending handoff proposal, if any."""
    return (
        ticket.handoffs.filter(state=Handoff.State.PENDING)
        .select_related("proposed_by", "to_person", "to_team")
        .first()
    )


# --- Queues ---------------------------------------------------------------------------------

QUEUE_NAMES = ("mine", "teams", "needs_owner", "waiting", "handoffs", "at_risk", "all")

SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "priority": ("priority", "created_at", "id"),
    "updated": ("-updated_at", "-id"),
}


@dataclass(frozen=True)
class QueueFilters:
    """Filters an agent may apply to a queue; unknown values are ignored, never trusted."""

    status: str = ""
    priority: str = ""
    service_id: int | None = None
    organisation_id: int | None = None
    team_id: int | None = None
    text: str = ""
    sort: str = "newest"
    extra: dict[str, str] = field(default_factory=dict)


def queue(
    user: User,
    name: str,
    *,
    filters: QueueFilters | None = None,
    now: datetime,
    needs_owner_after: timedelta,
) -> QuerySet[Ticket]:
    """Return the tickets of the named queue for this agent, filtered and sorted, ready to list."""
    filters = filters or QueueFilters()
    tickets = Ticket.objects.visible_to(user)
    if name == "mine":
        tickets = tickets.filter(owner=user, status__in=OPEN_STATUSES)
    elif name == "teams":
        tickets = tickets.filter(team_id__in=user.team_ids, status__in=OPEN_STATUSES)
    elif name == "needs_owner":
        tickets = tickets.filter(
            status=Status.NEW, owner__isnull=True, created_at__lte=now - needs_owner_after
        )
    elif name == "waiting":
        tickets = tickets.filter(status=Status.WAITING_ON_REQUESTER)
    elif name == "handoffs":
        tickets = tickets.filter(
            Q(handoffs__state=Handoff.State.PENDING)
            & (Q(handoffs__to_person=user) | Q(handoffs__to_team_id__in=user.team_ids))
        )
    elif name == "at_risk":
        # Open tickets with a running SLA clock, the soonest breach first.
        tickets = tickets.filter(status__in=OPEN_STATUSES, sla__next_breach_at__isnull=False)
    elif name != "all":
        raise Http404
    if filters.status in Status.values:
        tickets = tickets.filter(status=filters.status)
    if filters.priority:
        tickets = tickets.filter(priority=filters.priority)
    if filters.service_id:
        tickets = tickets.filter(service_id=filters.service_id)
    if filters.organisation_id:
        tickets = tickets.filter(organisation_id=filters.organisation_id)
    if filters.team_id:
        tickets = tickets.filter(team_id=filters.team_id)
    if filters.text:
        text = filters.text.strip()
        tickets = tickets.alias(title_folded=Folded("title")).filter(
            Q(reference__iexact=text) | Q(title_folded__contains=folded(text))
        )
    order = SORTS.get(filters.sort, SORTS["newest"])
    if name == "at_risk":
        order = ("sla__next_breach_at", "id")  # time left before a breach is the point
    # The organisation's name comes as a scalar subquery rather than a join: each joined table
    # adds milliseconds to PostgreSQL's planning of this query (docs/performance.md).
    organisation_name = Organisation.objects.filter(pk=OuterRef("organisation_id")).values("name")
    return (
        tickets.select_related("requester", "service", "owner", "sla")
        .annotate(organisation_name=Subquery(organisation_name[:1]))
        .order_by(*order)
    )


def portal_requests(user: Any, *, tab: str, state: str) -> QuerySet[Ticket]:
    """Return the requests of the portal's tab ("mine" or "organisation") and state ("open",
    "closed" or "all") that `user` may see, newest activity first. The organisation's tab reads
    them in that order from the index `ticket_org_activity` (docs/indexes.md)."""
    tickets = Ticket.objects.visible_to(user)
    if tab == "organisation":
        tickets = tickets.filter(organisation_id=user.organisation_id)
    else:
        tickets = tickets.filter(requester_id=user.pk)
    if state == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif state == "closed":
        tickets = tickets.exclude(status__in=OPEN_STATUSES)
    return tickets.select_related("owner", "requester").order_by("-updated_at", "-id")
