"""Outcome figures per service, team or agent over a period (issue 5, point 6).

Reads only, in a fixed number of aggregating queries whatever the number of tickets: the
tickets are grouped by their FCR history (counts capped, see `HISTORY_COUNT_CAP`) and each
distinct history is judged once by the domain rule, then weighted. Every figure is counted for
the ticket's service, team and owner; commitments for their service, team and promiser.

Who sees what: team leads the tickets of the teams they lead; managers, executives and
administrators every team. The views check `may_see_figures` first (404 otherwise).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Least, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from allie.accounts.models import Team, User
from allie.catalog.models import Service
from allie.core.reports import period_bounds
from allie.tickets.models import Status, Ticket
from allie.voice.domain.outcomes import (
    HISTORY_COUNT_CAP,
    OutcomeTally,
    RelationshipTally,
    TicketHistory,
    tally_tickets,
)
from allie.voice.models import FollowUp, RelationshipAnswer
from allie.voice.selectors import OUTCOME_GROUPINGS, commitment_figures, may_see_figures

__all__ = [
    "BY",
    "NpsRow",
    "OutcomeRow",
    "may_see_figures",
    "nps_figures",
    "outcome_figures",
    "scoped_team_ids",
    "team_open_follow_ups",
    "team_trend",
    "visible_teams",
]

#: How the figures can be grouped.
BY = ("service", "team", "agent")
#: The ticket's column naming its group.
TICKET_KEYS = {"service": "service_id", "team": "team_id", "agent": "owner_id"}
#: The roles that see the figures of every team (team leads see the teams they lead).
ALL_TEAMS_ROLES = frozenset({"manager", "executive", "administrator"})
#: A ticket counts once resolved; closing it later keeps its resolution time.
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class OutcomeRow:
    """The outcome figures of one service, team or agent (`key` None: none set)."""

    key: int | None
    name: str
    tally: OutcomeTally


# --- Who sees which teams ------------------------------------------------------------------------


def scoped_team_ids(user: Any) -> frozenset[int] | None:
    """None for every team (managers, executives, administrators), else the teams `user` leads."""
    if user.roles & ALL_TEAMS_ROLES:
        return None
    cached = getattr(user, "_led_team_ids", None)
    if cached is None:
        cached = frozenset(Team.objects.filter(lead_id=user.pk).values_list("id", flat=True))
        user._led_team_ids = cached
    return cached


def visible_teams(user: Any) -> list[Team]:
    """The teams whose figures `user` may read, by name (one query)."""
    if not may_see_figures(user):
        return []
    teams = Team.objects.all()
    if not user.roles & ALL_TEAMS_ROLES:
        teams = teams.filter(lead_id=user.pk)
    return list(teams.order_by("name", "id"))


# --- The figures ---------------------------------------------------------------------------------


def resolved(start: datetime, end: datetime, team_ids: Collection[int] | None) -> Q:
    """Tickets resolved in [start, end), of the given teams."""
    condition = Q(resolved_at__gte=start, resolved_at__lt=end, status__in=RESOLVED_STATUSES)
    if team_ids is not None:
        condition &= Q(team_id__in=list(team_ids))
    return condition


def _capped(column: str) -> Least:
    return Least(column, HISTORY_COUNT_CAP, output_field=IntegerField())


def ticket_rows(condition: Q, key: Combinable) -> QuerySet[Ticket, dict[str, Any]]:
    """Resolved tickets counted per group and distinct FCR history. Every column it reads is
    in the index `ticket_team_outcomes` (tickets migration 0011): keep them there."""
    return (
        Ticket.objects.filter(condition)
        .annotate(
            group=key,
            fcr_agent=_capped("agent_reply_count"),
            fcr_requester=_capped("requester_reply_count"),
            fcr_reopens=_capped("reopen_count"),
        )
        .values("group", "resolved_at_first_contact", "fcr_agent", "fcr_requester", "fcr_reopens")
        .annotate(tickets=Count("pk"), handoffs=Sum("handoff_count"))
        .order_by()
    )


def _ticket_tallies(condition: Q, key: Combinable) -> dict[Any, OutcomeTally]:
    """Resolved tickets per group: one query, one row per group and distinct FCR history."""
    rows = ticket_rows(condition, key)
    weighted: dict[Any, list[tuple[TicketHistory, int, int]]] = defaultdict(list)
    for row in rows:
        history = TicketHistory(
            resolved=True,
            resolved_while_logged=row["resolved_at_first_contact"],
            agent_public_replies=row["fcr_agent"],
            requester_replies=row["fcr_requester"],
            reopen_count=row["fcr_reopens"],
        )
        weighted[row["group"]].append((history, row["tickets"], row["handoffs"] or 0))
    return {group: tally_tickets(items) for group, items in weighted.items()}


def survey_rows(condition: Q, key: Combinable) -> QuerySet[Ticket, dict[str, Any]]:
    """Surveyed tickets counted per group, answer state and scores, from the copy of their
    survey's state each ticket carries: the columns are in `ticket_team_outcomes` with the
    period's keys (tickets migration 0012), so a team's figures read that index alone."""
    return (
        Ticket.objects.filter(condition, survey_sent=True)
        .annotate(group=key)
        .values("group", answered=F("survey_answered"), csat=F("survey_csat"), ces=F("survey_ces"))
        .annotate(surveys=Count("pk"))
        .order_by()
    )


def _survey_tallies(condition: Q, key: Combinable) -> dict[Any, OutcomeTally]:
    """Surveys of those tickets per group: sent, answered, and each answer's count (one query)."""
    rows = survey_rows(condition, key)
    sent: dict[Any, int] = defaultdict(int)
    answered: dict[Any, int] = defaultdict(int)
    csat: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    ces: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        group, count = row["group"], row["surveys"]
        sent[group] += count
        if not row["answered"]:
            continue
        answered[group] += count
        if row["csat"] is not None:
            csat[group][row["csat"]] += count
        if row["ces"] is not None:
            ces[group][row["ces"]] += count
    return {
        group: OutcomeTally(
            surveys_sent=sent[group],
            surveys_answered=answered[group],
            csat_answers=dict(csat.get(group, {})),
            ces_answers=dict(ces.get(group, {})),
        )
        for group in sent
    }


def _follow_up_tallies(
    start: datetime, end: datetime, team_ids: Collection[int] | None, key: str
) -> dict[Any, OutcomeTally]:
    """Follow-ups closed in [start, end) per group, and how many by their due time (one query)."""
    # Only follow-ups of satisfaction surveys: a relationship answer's has no ticket to count for.
    rows = FollowUp.objects.filter(
        state=FollowUp.State.CLOSED,
        closed_at__gte=start,
        closed_at__lt=end,
        ticket__isnull=False,
    )
    if team_ids is not None:
        rows = rows.filter(ticket__team_id__in=list(team_ids))
    groups = (
        rows.values(group=F(f"ticket__{key}"))
        .annotate(closed=Count("pk"), on_time=Count("pk", filter=Q(closed_at__lte=F("due_at"))))
        .order_by()
    )
    return {
        row["group"]: OutcomeTally(
            follow_ups_closed=row["closed"], follow_ups_on_time=row["on_time"]
        )
        for row in groups
    }


def _names(by: str, keys: Iterable[int]) -> dict[int, str]:
    """The display name of each group (one query)."""
    ids = [key for key in keys if key is not None]
    if not ids:
        return {}
    if by == "service":
        return {service.pk: service.name for service in Service.objects.filter(pk__in=ids)}
    if by == "team":
        return dict(Team.objects.filter(pk__in=ids).values_list("pk", "name"))
    people = User.objects.filter(pk__in=ids).only("full_name", "email")
    return {person.pk: str(person) for person in people}


def _nobody(by: str) -> str:
    return {"service": _("No service"), "team": _("No team"), "agent": _("No owner")}[by]


def outcome_figures(
    start: datetime,
    end: datetime,
    by: str = "team",
    *,
    team_ids: Collection[int] | None = None,
    now: datetime | None = None,
) -> list[OutcomeRow]:
    """Return the outcome figures of [start, end) per service, team or agent, by name.

    `team_ids` None counts every team, else only those teams' tickets, follow-ups and
    commitments. Five queries whatever the rows: tickets, surveys, follow-ups, commitments and
    the groups' names.
    """
    if by not in BY:
        raise ValueError(f"Unknown grouping: {by}")
    key = TICKET_KEYS[by]
    tallies: dict[Any, OutcomeTally] = defaultdict(OutcomeTally)
    parts = (
        _ticket_tallies(resolved(start, end, team_ids), F(key)),
        _survey_tallies(resolved(start, end, team_ids), F(key)),
        _follow_up_tallies(start, end, team_ids, key),
    )
    for part in parts:
        for group, tally in part.items():
            tallies[group] = tallies[group] + tally
    commitments = commitment_figures(
        start, end, by=by, team_ids=team_ids, now=now, groupings=OUTCOME_GROUPINGS
    )
    for row in commitments:
        tallies[row.key] = tallies[row.key] + OutcomeTally(commitments=row.tally)
    names = _names(by, tallies)
    rows = [
        OutcomeRow(key=group, name=names.get(group, "") if group else _nobody(by), tally=tally)
        for group, tally in tallies.items()
    ]
    return sorted(rows, key=lambda row: (row.key is None, row.name.casefold(), row.key or 0))


def total(rows: Iterable[OutcomeRow]) -> OutcomeTally:
    """All rows counted together (rows of one grouping never count a ticket twice)."""
    result = OutcomeTally()
    for row in rows:
        result = result + row.tally
    return result


# --- Relationship (NPS) per client organisation ------------------------------------------------


@dataclass(frozen=True)
class NpsRow:
    """The relationship answers given by one client organisation's contacts in a period."""

    key: int
    name: str
    tally: RelationshipTally


def nps_figures(
    start: datetime, end: datetime, *, team_ids: Collection[int] | None = None
) -> list[NpsRow]:
    """Return each organisation's NPS from the answers given in [start, end), by name.

    `team_ids` None counts every organisation, else those the teams serve. One query.
    """
    rows = RelationshipAnswer.objects.filter(
        answered_at__gte=start, answered_at__lt=end, score__isnull=False
    )
    if team_ids is not None:
        served = Team.serves.through.objects.filter(team_id__in=list(team_ids))
        rows = rows.filter(organisation_id__in=served.values("organisation_id"))
    groups = (
        rows.values("organisation_id", "organisation__name", "score")
        .annotate(answers=Count("pk"))
        .order_by()
    )
    names: dict[int, str] = {}
    scores: dict[int, dict[int, int]] = defaultdict(dict)
    for group in groups:
        key = group["organisation_id"]
        names[key] = group["organisation__name"]
        scores[key][group["score"]] = group["answers"]
    return sorted(
        (
            NpsRow(key=key, name=names[key], tally=RelationshipTally(answers=answers))
            for key, answers in scores.items()
        ),
        key=lambda row: (row.name.casefold(), row.key),
    )


# --- The team page -------------------------------------------------------------------------------


def _month_starts(last: date, months: int) -> list[date]:
    """The first day of each of the `months` months ending with the month of `last`."""
    year, month = last.year, last.month
    starts = []
    for _index in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def team_trend(team_id: int, *, last: date, months: int = 6) -> list[tuple[date, OutcomeTally]]:
    """FCR and satisfaction counts of the team's tickets per month, oldest first (two queries)."""
    starts = _month_starts(last, months)
    after = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    start, end = period_bounds(starts[0], after - timedelta(days=1))
    zone = timezone.get_current_timezone()
    teams = [team_id]
    tickets = _ticket_tallies(resolved(start, end, teams), TruncMonth("resolved_at", tzinfo=zone))
    surveys = _survey_tallies(resolved(start, end, teams), TruncMonth("resolved_at", tzinfo=zone))
    by_month: dict[date, OutcomeTally] = defaultdict(OutcomeTally)
    for part in (tickets, surveys):
        for moment, tally in part.items():
            month = _as_month(moment, zone)
            by_month[month] = by_month[month] + tally
    return [(month, by_month[month]) for month in starts]


def _as_month(moment: datetime | date, zone: Any) -> date:
    if isinstance(moment, datetime):
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment, zone)
        return date(moment.year, moment.month, 1)
    return date(moment.year, moment.month, 1)


def team_open_follow_ups(team_id: int) -> QuerySet[FollowUp]:
    """The team's open follow-ups, soonest due first, ready to list (one query)."""
    return (
        FollowUp.objects.filter(state=FollowUp.State.OPEN, ticket__team_id=team_id)
        .select_related("ticket", "assigned_to", "survey")
        .order_by("due_at", "id")
    )
