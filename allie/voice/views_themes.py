"""The comment themes report for leads: themes per service or team, per month, and its CSV.

Thin: check the role (no access: 404), parse the period, read through `theme_report`, render.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from allie.core.reports import CsvDownload, PeriodForm, period_bounds
from allie.voice import selectors
from allie.voice.theme_report import ThemeReport, ThemeRow, theme_report


class ThemesForm(PeriodForm):
    by = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=(("service", _("Service")), ("team", _("Team"))),
    )

    def clean_by(self) -> str:
        return self.cleaned_data.get("by") or "service"


def group_label(row: ThemeRow) -> str:
    """The name of a row's group, in plain words for the groups without a name."""
    if row.relationship:
        return str(_("Relationship survey"))
    return row.group_name or "—"


@require_GET
@login_required
def themes(request: HttpRequest) -> HttpResponse:
    """Themes of survey comments (CSAT and NPS) per service or team over a period."""
    if not selectors.may_see_figures(request.user):
        raise Http404
    form = ThemesForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "voice/themes.html", {"form": form, "report": None}, status=400)
    start, end, by = form.cleaned_data["start"], form.cleaned_data["end"], form.cleaned_data["by"]
    report = theme_report(
        *period_bounds(start, end), by=by, user=request.user, language=get_language() or "fr"
    )
    if request.GET.get("format") == "csv":
        return _csv(report, by, start, end)
    rows = [(group_label(row), row) for row in report.rows]
    context = {"form": form, "report": report, "rows": rows, "start": start, "end": end, "by": by}
    return render(request, "voice/themes.html", context)


def _csv(report: ThemeReport, by: str, start: object, end: object) -> HttpResponse:
    download = CsvDownload(f"themes-{by}-{start}-{end}.csv")
    group = _("Team") if by == "team" else _("Service")
    months = [formats.date_format(month, "YEAR_MONTH_FORMAT") for month in report.months]
    download.row((group, _("Theme"), *months, _("Total")))
    for row in report.rows:
        download.row((group_label(row), row.theme_name, *row.counts, row.total))
    return download.response
