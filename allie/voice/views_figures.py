"""Outcome figures pages: the team lead's page and the leaders' figures by service, team, agent.

Thin: parse the period, check who may see which teams (no access: 404), call the selectors in
`allie.voice.figures`, render (or write a CSV with formulas neutralised).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from allie.core.reports import CsvDownload, PeriodForm, period_bounds
from allie.voice import figures
from allie.voice.domain.outcomes import OutcomeTally

BY_CHOICES = (("service", _("Service")), ("team", _("Team")), ("agent", _("Agent")))


class OutcomesForm(PeriodForm):
    by = forms.ChoiceField(label=_("Per"), required=False, choices=BY_CHOICES)

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or "team"


def _team_from(request: HttpRequest, teams: list[Any]) -> Any:
    """The team asked for (`?team=`), else the first one; a team not theirs to see: 404."""
    wanted = request.GET.get("team", "")
    if not wanted:
        return teams[0] if teams else None
    for team in teams:
        if str(team.pk) == wanted:
            return team
    raise Http404


@require_GET
@login_required
def team_page(request: HttpRequest) -> HttpResponse:
    """A team's figures over a period, its agents' figures, its open follow-ups, and charts."""
    if not figures.may_see_figures(request.user):
        raise Http404
    teams = figures.visible_teams(request.user)
    team = _team_from(request, teams)
    form = PeriodForm(request.GET, today=timezone.localdate())
    context: dict[str, Any] = {"form": form, "teams": teams, "team": team, "rows": None}
    if not form.is_valid():
        return render(request, "voice/team.html", context, status=400)
    if team is None:
        return render(request, "voice/team.html", context)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    bounds = period_bounds(start, end)
    rows = figures.outcome_figures(*bounds, by="agent", team_ids=[team.pk], now=timezone.now())
    trend = figures.team_trend(team.pk, last=end)
    months = [(date_format(month, "YEAR_MONTH_FORMAT"), tally) for month, tally in trend]
    context.update(
        rows=rows,
        team_rows=[figures.OutcomeRow(key=team.pk, name=team.name, tally=figures.total(rows))],
        start=start,
        end=end,
        trend=months,
        fcr_points=[(_short_month(month), tally.fcr_rate) for month, tally in trend],
        csat_points=[(_short_month(month), tally.csat) for month, tally in trend],
        follow_ups=list(figures.team_open_follow_ups(team.pk)),
        nps_rows=figures.nps_figures(*bounds, team_ids=[team.pk]),
        now=timezone.now(),
    )
    return render(request, "voice/team.html", context)


def _short_month(month: date) -> str:
    return date_format(month, "M Y") if month.month == 1 else date_format(month, "M")


@require_GET
@login_required
def outcomes_page(request: HttpRequest) -> HttpResponse:
    """Outcome figures per service, team or agent over a period, on screen or as CSV."""
    if not figures.may_see_figures(request.user):
        raise Http404
    form = OutcomesForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "voice/outcomes.html", {"form": form, "rows": None}, status=400)
    start, end, by = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["by"]
    bounds, team_ids = period_bounds(start, end), figures.scoped_team_ids(request.user)
    rows = figures.outcome_figures(*bounds, by=by, team_ids=team_ids, now=timezone.now())
    if request.GET.get("format") == "csv":
        return _csv(rows, start, end, by)
    context = {
        "form": form,
        "rows": rows,
        "nps_rows": figures.nps_figures(*bounds, team_ids=team_ids),
        "overall": figures.total(rows),
        "start": start,
        "end": end,
        "by": by,
    }
    return render(request, "voice/outcomes.html", context)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


def csv_headings(by: str) -> list[str]:
    """The CSV's column titles in the active language."""
    return [
        str(dict(BY_CHOICES)[by]),
        gettext("Requests resolved"),
        gettext("First-contact resolution (%)"),
        gettext("Reopened (%)"),
        gettext("Handoffs per request"),
        gettext("Surveys sent"),
        gettext("Surveys answered"),
        gettext("Response rate (%)"),
        gettext("Satisfied (CSAT, %)"),
        gettext("Ease (CES, 1 to 5)"),
        gettext("Follow-ups closed"),
        gettext("Follow-ups closed on time (%)"),
        gettext("Commitments kept"),
        gettext("Commitments renegotiated"),
        gettext("Commitments broken"),
        gettext("Commitments kept (%)"),
    ]


def csv_cells(name: str, tally: OutcomeTally) -> list[Any]:
    """One CSV row: raw counts, rates as percentages with one decimal (empty: no data)."""
    return [
        name,
        tally.resolved,
        _rate(tally.fcr_rate),
        _rate(tally.reopen_rate),
        _number(tally.handoffs_per_ticket),
        tally.surveys_sent,
        tally.surveys_answered,
        _rate(tally.response_rate),
        _rate(tally.csat),
        _number(tally.ces),
        tally.follow_ups_closed,
        _rate(tally.follow_ups_on_time_rate),
        tally.commitments.kept,
        tally.commitments.renegotiated,
        tally.commitments.broken,
        _rate(tally.commitments_kept_rate),
    ]


def _csv(rows: list[figures.OutcomeRow], start: date, end: date, by: str) -> HttpResponse:
    download = CsvDownload(f"outcomes-{by}-{start}-{end}.csv")
    download.row(csv_headings(by))
    for row in rows:
        download.row(csv_cells(row.name, row.tally))
    return download.response
