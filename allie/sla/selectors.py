"""Reads of SLA figures, always scoped to the tickets the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import get_language

from allie.sla.models import TicketSla
from allie.tickets.models import Priority
from allie.tickets.selectors import visibility

#: The roles that see the compliance report.
REPORT_ROLES = frozenset({"team_lead", "manager", "executive", "administrator"})

_DECIDED = ("met", "breached")
_GROUP = ("ticket__service_id", "ticket__priority")


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


def period_slas(user: Any, start: datetime, end: datetime) -> QuerySet[TicketSla]:
    """The SLA summaries of the tickets `user` may see, opened in [start, end).

    The scope and the period are conditions on the summary's own ticket (one join), not an
    `IN` of a ticket subquery: that read the ticket table twice, and PostgreSQL hashed every
    summary against a scan of every ticket (1.8 s for 30 days at a million tickets).
    """
    slas = TicketSla.objects.filter(ticket__created_at__gte=start, ticket__created_at__lt=end)
    scope = visibility(user, via="ticket__")
    return slas if scope is None else slas.filter(scope)


def compliance(user: Any, start: datetime, end: datetime) -> list[ComplianceRow]:
    """Return SLA compliance per (service, priority) for tickets opened in [start, end).

    Met percentages count the clocks whose outcome is known (met or breached); a clock still
    running within its target is not counted yet. Two aggregate queries (plus the scoping).
    """
    slas = period_slas(user, start, end)
    suffix = "en" if (get_language() or "fr").startswith("en") else "fr"
    figures: dict[str, Any] = {
        "count": Count("pk"),
        "fr_met": Count("pk", filter=Q(first_response_state="met")),
        "fr_decided": Count("pk", filter=Q(first_response_state__in=_DECIDED)),
        "res_met": Count("pk", filter=Q(resolution_state="met")),
        "res_decided": Count("pk", filter=Q(resolution_state__in=_DECIDED)),
        "breaches": Sum("next_update_breaches"),
    }
    in_one_pass = connection.vendor == "postgresql"
    if in_one_pass:
        # The median in the same pass over the period's rows: half the work of a second query.
        figures["median"] = _Median("first_response_elapsed", filter=_FIRST_RESPONSE_GIVEN)
    groups = (
        slas.values(*_GROUP, "ticket__service__name_fr", f"ticket__service__name_{suffix}")
        .annotate(**figures)
        .order_by("ticket__service__name_fr", "ticket__priority")
    )
    medians = {} if in_one_pass else _median_first_response(slas)
    labels = dict(Priority.choices)
    rows = []
    for group in groups:
        key = (group["ticket__service_id"], group["ticket__priority"])
        name = group[f"ticket__service__name_{suffix}"] or group["ticket__service__name_fr"]
        rows.append(
            ComplianceRow(
                service=name or "",
                priority=group["ticket__priority"],
                priority_label=str(
                    labels.get(group["ticket__priority"], group["ticket__priority"])
                ),
                count=group["count"],
                first_response_met=group["fr_met"],
                first_response_decided=group["fr_decided"],
                resolution_met=group["res_met"],
                resolution_decided=group["res_decided"],
                next_update_breaches=group["breaches"] or 0,
                median_first_response_minutes=(
                    _minutes(group["median"]) if in_one_pass else medians.get(key)
                ),
            )
        )
    return rows


# Only first responses given (the clock stopped) have a time to the first response.
_FIRST_RESPONSE_GIVEN = Q(first_response_state__in=_DECIDED, first_response_due_at__isnull=True)


class _Median(Aggregate):
    """PostgreSQL's median: the middle value, or the mean of the two middle ones."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _median_first_response(slas: QuerySet[TicketSla]) -> dict[tuple[Any, Any], float]:
    """Median business minutes to the first response, per group, in one query (SQLite).

    Window functions number each group's rows by elapsed time; the query returns only the one
    or two middle rows.
    """
    partition = [F(name) for name in _GROUP]
    middle = (
        slas.filter(_FIRST_RESPONSE_GIVEN)
        .annotate(
            position=Window(
                RowNumber(), partition_by=partition, order_by=F("first_response_elapsed").asc()
            ),
            size=Window(Count("pk"), partition_by=partition),
        )
        .filter(position__gte=(F("size") + 1) / 2, position__lte=(F("size") + 2) / 2)
        .values_list(*_GROUP, "first_response_elapsed")
    )
    found: dict[tuple[Any, Any], list[float]] = {}
    for service_id, priority, elapsed in middle:
        found.setdefault((service_id, priority), []).append(elapsed)
    return {key: _minutes(sum(values) / len(values)) for key, values in found.items()}
