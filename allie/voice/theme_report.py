"""Reads of the comment themes report: themes found per service or team, counted per month.

One aggregating query (plus the scoping's cached read of the organisations a lead's teams
serve), whatever the number of comments. Relationship (NPS) answers have no service nor team:
they form a group of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import BooleanField, Count, DateField, ExpressionWrapper, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from allie.tickets.selectors import served_organisation_ids
from allie.voice.domain.relationship import months_between
from allie.voice.models import CommentTheme

#: The roles that see every comment's themes (team leads see those of the clients they serve).
ALL_THEMES_ROLES = frozenset({"manager", "executive", "administrator"})

#: How the report groups comments: the columns naming the group (id, French, English name).
GROUPINGS: dict[str, tuple[str, str, str]] = {
    "service": (
        "survey__ticket__service_id",
        "survey__ticket__service__name_fr",
        "survey__ticket__service__name_en",
    ),
    "team": ("survey__ticket__team_id", "survey__ticket__team__name", "survey__ticket__team__name"),
}


def scope_comment_themes(rows: QuerySet[CommentTheme], user: Any) -> QuerySet[CommentTheme]:
    """Narrow to what `user` may read: all for managers, executives and administrators; for a
    team lead, the comments of the organisations their teams serve; nothing for anyone else."""
    if user is None or not user.is_authenticated or not user.is_active:
        return rows.none()
    if user.roles & ALL_THEMES_ROLES:
        return rows
    if "team_lead" not in user.roles:
        return rows.none()
    served = served_organisation_ids(user)
    return rows.filter(
        Q(survey__ticket__organisation_id__in=served)
        | Q(relationship_answer__organisation_id__in=served)
    )


@dataclass(frozen=True)
class ThemeRow:
    """One theme in one group (a service or a team, or the relationship survey)."""

    group_key: int | None
    group_name: str
    relationship: bool  # the relationship survey's group (no service nor team)
    theme_code: str
    theme_name: str
    counts: tuple[int, ...]  # per month, in the report's order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class ThemeReport:
    months: list[date]
    rows: list[ThemeRow]


def theme_report(
    period_start: datetime,
    period_end: datetime,
    *,
    by: str = "service",
    user: Any = None,
    language: str = "fr",
) -> ThemeReport:
    """Themes found in comments answered in [start, end), per `by` group and month."""
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping: {by}")
    zone = timezone.get_current_timezone()
    key, name_fr, name_en = GROUPINGS[by]
    name = name_en if language.startswith("en") else name_fr
    rows = CommentTheme.objects.filter(answered_at__gte=period_start, answered_at__lt=period_end)
    if user is not None:
        rows = scope_comment_themes(rows, user)
    theme_name = "theme__name_en" if language.startswith("en") else "theme__name_fr"
    groups = (
        rows.annotate(
            month=TruncMonth("answered_at", output_field=DateField(), tzinfo=zone),
            nps=ExpressionWrapper(
                Q(relationship_answer__isnull=False), output_field=BooleanField()
            ),
        )
        .values(key, name, "nps", "theme__code", theme_name, "month")
        .annotate(found=Count("pk"))
        .order_by()
    )
    last_day = timezone.localtime(period_end, zone).date()
    if timezone.localtime(period_end, zone).time() == datetime.min.time():
        last_day = date.fromordinal(last_day.toordinal() - 1)
    months = months_between(timezone.localtime(period_start, zone).date(), last_day)
    position = {month: index for index, month in enumerate(months)}
    table: dict[tuple[Any, ...], list[int]] = {}
    labels: dict[tuple[Any, ...], tuple[str, str]] = {}
    for group in groups:
        relationship = bool(group["nps"])
        row_key = (relationship, group[key], group["theme__code"])
        counts = table.setdefault(row_key, [0] * len(months))
        month = group["month"]
        if isinstance(month, datetime):
            month = month.date()
        if month in position:
            counts[position[month]] += group["found"]
        labels[row_key] = (group[name] or "", group[theme_name] or group["theme__code"])
    result = [
        ThemeRow(
            group_key=row_key[1],
            group_name=labels[row_key][0],
            relationship=row_key[0],
            theme_code=row_key[2],
            theme_name=labels[row_key][1],
            counts=tuple(counts),
        )
        for row_key, counts in table.items()
    ]
    result.sort(key=lambda row: (row.relationship, row.group_name.casefold(), -row.total))
    return ThemeReport(months=months, rows=result)
