"""Reads of SLA figures, always scoped to the tickets the reader may see."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, FloatField, Func, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.utils.translation import get_language

from allie.catalog.models import Service
from allie.sla.domain.figures import COUNTS, Tally, day_bounds, share_of, whole_days
from allie.sla.figures import SHARE_FIELDS
from allie.sla.models import DayFigures, TicketSla
from allie.tickets.models import Priority
from allie.tickets.selectors import visibility, visibility_by_organisation

#: A row of the report: (service id or 0, priority).
Group = tuple[int, str]

#: The roles that see the compliance report.
REPORT_ROLES = frozenset({"team_lead", "manager", "executive", "administrator"})


def may_see_compliance(user: Any) -> bool:
    """Return whether `user` may read the SLA compliance report."""
    return bool(user.is_authenticated and user.is_active and user.roles & REPORT_ROLES)


@dataclass(frozen=True)
class ComplianceRow:
    """The SLA figures of one (service, priority) for tickets opened in a period."""

    service: str
    priority: str
    priority_label: str
    count: int
    first_response_met: int
    first_response_decided: int
    resolution_met: int
    resolution_decided: int
    next_update_breaches: int
    median_first_response_minutes: float | None

    @property
    def first_response_met_percent(self) -> float | None:
        return _percent(self.first_response_met, self.first_response_decided)

    @property
    def resolution_met_percent(self) -> float | None:
        return _percent(self.resolution_met, self.resolution_decided)


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def compliance(user: Any, start: datetime, end: datetime) -> list[ComplianceRow]:
    """Return SLA compliance per (service, priority) for tickets opened in [start, end).

    Met percentages count the clocks whose outcome is known (met or breached); a clock still
    running within its target is not counted yet. The report adds up the day figures
    (`allie.sla.figures`) of the UTC days wholly inside the period, for the organisations all
    of whose tickets `user` sees; it reads one by one only the tickets opened in the hours
    before and after those days, and the few others `user` sees (asked for or owned
    elsewhere). Four queries (plus the scoping), whatever the number of tickets: the figures'
    counts, the tickets read one by one, the medians, the services' names.
    """
    groups: dict[Group, Tally] = defaultdict(Tally)
    organisations, others = visibility_by_organisation(user, via="ticket__")
    days = whole_days(start, end)
    rollups = None
    if days is None:
        one_by_one = _opened(start, end) & _visible(user)
    else:
        first, after = day_bounds(*days)
        edges = _opened(start, first) | _opened(after, end)
        one_by_one = (edges & _visible(user)) | (_opened(first, after) & others)
        if organisations != []:  # someone who sees no organisation whole reads one by one
            rollups = DayFigures.objects.filter(day__gte=days[0], day__lt=days[1]).order_by()
            if organisations is not None:
                rollups = rollups.filter(organisation_id__in=organisations)
            sums = rollups.values("service_key", "priority").annotate(
                **{f"sum_{name}": Sum(name) for name in COUNTS}
            )
            for row in sums:
                counts = {name: row[f"sum_{name}"] for name in COUNTS}
                groups[(row["service_key"], row["priority"])].add_counts(counts, [])
    read = TicketSla.objects.filter(one_by_one).order_by()
    for service_id, priority, *values in read.values_list(
        "ticket__service_id", "ticket__priority", *SHARE_FIELDS
    ):
        share = share_of(**dict(zip(SHARE_FIELDS, values, strict=True)))
        groups[(service_id or 0, priority)].add_share(share)
    read_one_by_one = {key: tally.first_response_seconds for key, tally in groups.items()}
    medians = _medians(rollups, read_one_by_one)
    return _rows({key: tally for key, tally in groups.items() if tally.tickets > 0}, medians)


def _medians(
    rollups: QuerySet[DayFigures] | None, read: dict[Group, list[float]]
) -> dict[Group, float]:
    """The median business seconds to the first response per group: of the times the day
    figures hold and those of the tickets read one by one."""
    if rollups is not None and connection.vendor == "postgresql":
        return _medians_in_database(rollups, read)
    times = defaultdict(list, {key: list(values) for key, values in read.items()})
    if rollups is not None:
        for service_key, priority, seconds in rollups.values_list(
            "service_key", "priority", "first_response_seconds"
        ):
            times[(service_key, priority)].extend(seconds)
    return {key: statistics.median(values) for key, values in times.items() if values}


def _medians_in_database(
    rollups: QuerySet[DayFigures], read: dict[Group, list[float]]
) -> dict[Group, float]:
    """PostgreSQL takes the medians over the figures' times and those read one by one (sent as
    arrays): hundreds of thousands of times for a year never travel to Python."""
    each_time = Cast(
        Func(F("first_response_seconds"), function="JSONB_ARRAY_ELEMENTS_TEXT"), FloatField()
    )
    held = rollups.annotate(seconds=each_time).values_list("service_key", "priority", "seconds")
    sql, params = held.query.sql_with_params()
    keys = [key for key, values in read.items() for _value in values]
    seconds = [value for values in read.values() for value in values]
    statement = (
        "SELECT k, p, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY v) "  # noqa: S608 (ORM's SQL)
        f"FROM ({sql} UNION ALL SELECT * FROM UNNEST(%s::bigint[], %s::varchar[], %s::float8[])) "
        "AS times (k, p, v) GROUP BY k, p"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, [k for k, _p in keys], [p for _k, p in keys], seconds])
        return {(k, p): median for k, p, median in cursor.fetchall()}


def _opened(start: datetime, end: datetime) -> Q:
    return Q(ticket__created_at__gte=start, ticket__created_at__lt=end)


def _visible(user: Any) -> Q:
    scope = visibility(user, via="ticket__")
    return Q() if scope is None else scope


def _rows(groups: dict[Group, Tally], medians: dict[Group, float]) -> list[ComplianceRow]:
    """The report's rows, named in the reader's language, by service (none last) and priority."""
    suffix = "en" if (get_language() or "fr").startswith("en") else "fr"
    names = {
        pk: (name or name_fr or "", name_fr or "")
        for pk, name_fr, name in Service.objects.filter(
            pk__in={service_key for service_key, _priority in groups}
        ).values_list("pk", "name_fr", f"name_{suffix}")
    }
    labels = dict(Priority.choices)
    rows = []
    for (service_key, priority), tally in sorted(
        groups.items(),
        key=lambda item: (item[0][0] == 0, names.get(item[0][0], ("", ""))[1], item[0][1]),
    ):
        rows.append(
            ComplianceRow(
                service=names.get(service_key, ("", ""))[0],
                priority=priority,
                priority_label=str(labels.get(priority, priority)),
                count=tally.tickets,
                first_response_met=tally.first_response_met,
                first_response_decided=tally.first_response_decided,
                resolution_met=tally.resolution_met,
                resolution_decided=tally.resolution_decided,
                next_update_breaches=tally.next_update_breaches,
                median_first_response_minutes=_minutes(medians.get((service_key, priority))),
            )
        )
    return rows


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)
