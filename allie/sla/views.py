"""The SLA compliance report for team leads, managers, executives and administrators."""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from allie.sla import selectors

#: The longest period the report covers at once.
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 30
#: A CSV cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            raise forms.ValidationError(_("The start of the period must come before its end."))
        if (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(
                _("Choose a period of at most %(days)d days.") % {"days": MAX_PERIOD_DAYS}
            )
        cleaned["start"], cleaned["end"] = start, end
        return cleaned


def neutralise(value: Any) -> str:
    """Return the cell as text, with a leading ' when a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware datetimes in the viewer's zone: [start 00:00, the day after end)."""
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), zone),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), zone),
    )


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


@require_GET
@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    """SLA compliance per service and priority for tickets opened in a period (or as CSV)."""
    if not selectors.may_see_compliance(request.user):
        raise Http404
    form = PeriodForm(request.GET, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "sla/compliance.html", {"form": form, "rows": None}, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = selectors.compliance(request.user, *_bounds(start, end))
    if request.GET.get("format") == "csv":
        return _csv(rows, start, end)
    context = {"form": form, "rows": rows, "start": start, "end": end}
    return render(request, "sla/compliance.html", context)


def _csv(rows: list[selectors.ComplianceRow], start: date, end: date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sla-compliance-{start}-{end}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    writer = csv.writer(response)
    writer.writerow(
        [
            neutralise(heading)
            for heading in (
                _("Service"),
                _("Priority"),
                _("Requests"),
                _("First response met (%)"),
                _("Resolution met (%)"),
                _("Late updates"),
                _("Median first response (business minutes)"),
            )
        ]
    )
    for row in rows:
        writer.writerow(
            [
                neutralise(row.service),
                neutralise(row.priority_label),
                neutralise(row.count),
                neutralise(_figure(row.first_response_met_percent)),
                neutralise(_figure(row.resolution_met_percent)),
                neutralise(row.next_update_breaches),
                neutralise(_figure(row.median_first_response_minutes)),
            ]
        )
    return response
